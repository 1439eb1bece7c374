"""What a technician's device keeps when storage runs short (static/js/device_keep.js, the rule the
service worker applies after each refresh and each page it stores), run under node: no fixed number
of work orders, those opened in the last days kept besides the assigned ones, and over the budget
the oldest closed ones go first; nothing the server lists and nothing with a change still waiting
is ever dropped."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

RULE = Path(__file__).resolve().parents[2] / "static" / "js" / "device_keep.js"
DAY = 86_400_000
NOW = 1_000 * DAY


def drop(entries: list[dict], budget: int, recent_days: int = 7) -> list[str]:
    if not shutil.which("node"):
        pytest.skip("node is not installed: the device's keeping rule could not be run")
    script = (f"const rule = require({json.dumps(str(RULE))});"
              f"process.stdout.write(JSON.stringify(rule.toDrop({json.dumps(entries)}, "
              f"{{now: {NOW}, recentDays: {recent_days}, budget: {budget}}})));")
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(done.stdout)


def page(path: str, kb: int, days_ago: float, *, closed: bool = False, wanted: bool = False,
         waiting: bool = False) -> dict:
    return {"path": path, "bytes": kb * 1024, "opened": NOW - int(days_ago * DAY), "closed": closed,
            "wanted": wanted, "waiting": waiting}


def test_the_oldest_closed_work_orders_go_first_and_only_as_far_as_the_budget_needs():
    kept = [
        page("/", 10, 0, wanted=True), page("/outbox", 5, 0, wanted=True),
        page("/offline/parts", 40, 0, wanted=True),
        *(page(f"/work-orders/mine-{n}", 30, 9, wanted=True) for n in range(60)),  # no cap on assigned ones
        page("/work-orders/open-old", 30, 5), page("/work-orders/closed-old", 30, 6, closed=True),
        page("/work-orders/closed-new", 30, 1, closed=True), page("/work-orders/open-new", 30, 0.5),
        page("/work-orders/closed-waiting", 30, 6.5, closed=True, waiting=True),
        page("/work-orders/opened-long-ago", 30, 8),
    ]
    wanted_kb = 10 + 5 + 40 + 60 * 30
    # Room for everything recent: only what was opened before the last 7 days goes.
    assert drop(kept, 0) == ["/work-orders/opened-long-ago"]
    assert drop(kept, (wanted_kb + 5 * 30) * 1024) == ["/work-orders/opened-long-ago"]
    # Short by one page: the oldest closed one; by two: both closed ones, oldest first; then the
    # oldest open one. The one with a change waiting to send stays whatever the budget.
    assert drop(kept, (wanted_kb + 4 * 30) * 1024) == ["/work-orders/opened-long-ago", "/work-orders/closed-old"]
    assert drop(kept, (wanted_kb + 3 * 30) * 1024) == [
        "/work-orders/opened-long-ago", "/work-orders/closed-old", "/work-orders/closed-new"]
    assert drop(kept, (wanted_kb + 2 * 30) * 1024) == [
        "/work-orders/opened-long-ago", "/work-orders/closed-old", "/work-orders/closed-new", "/work-orders/open-old"]
    everything = drop(kept, 1)
    assert everything[-1] == "/work-orders/open-new" and len(everything) == 5
    assert not {p for p in everything if "mine" in p or "waiting" in p or not p.startswith("/work-orders/")}
    # The window is a setting: with 30 recent days nothing is too old.
    assert drop(kept, 0, recent_days=30) == []
