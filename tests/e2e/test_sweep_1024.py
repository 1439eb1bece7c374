"""The page sweep at 1024 px wide (tests/e2e/sweep.py), a small desk or a tablet across: the pages of
the people who work from a desk (managers, admins) and the visitor's report, axe, no sideways scroll, targets >= 44 px, the
navigation reachable. Every role's pages are swept at 390, 768 and 1440; one file per size, so the
sizes run in parallel."""
from e2e.sweep import sweep


def test_every_page_at_1024(live_server, browser, client, auth, users):
    problems = sweep(browser, live_server, client, auth, users, 1024, roles=("visitor", "manager", "admin"))
    assert not problems, "\n".join(problems)
