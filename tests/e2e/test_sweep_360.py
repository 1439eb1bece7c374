"""The page sweep at 360 px wide (tests/e2e/sweep.py), the smallest phones: the pages of the people who
work from a phone (the visitor reporting a problem, technicians, requesters), axe, no sideways scroll,
targets >= 44 px, the navigation reachable. Every role's pages are swept at 390, 768 and 1440; one
file per size, so the sizes run in parallel."""
from e2e.sweep import sweep


def test_every_page_at_360(live_server, browser, client, auth, users):
    problems = sweep(browser, live_server, client, auth, users, 360, roles=("visitor", "technician", "requester"))
    assert not problems, "\n".join(problems)
