"""The page sweep at 390 px wide (tests/e2e/sweep.py): every page, every role, axe, no sideways scroll,
targets >= 44 px, the navigation reachable. One file per size, so the sizes run in parallel."""
from e2e.sweep import sweep


def test_every_page_at_390(live_server, browser, client, auth, users):
    problems = sweep(browser, live_server, client, auth, users, 390)
    assert not problems, "\n".join(problems)
