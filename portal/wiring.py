"""Every cross-service rule, wired in one place when the app is created.

Rules used to register themselves when their module happened to be imported, so a process that
imported only services/work_orders/lifecycle.py completed PM work orders without scheduling the next one.
wire() lists each rule explicitly and is idempotent (create_app may run many times per process).
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask


def _add(hooks: list, rule: Callable) -> None:
    if rule not in hooks:
        hooks.append(rule)


def wire(app: Flask | None = None) -> None:
    from portal.platform import database as db
    from portal.platform import live  # noqa: F401  (live updates: its session listeners bump the version counters)
    from portal.services.assets import equipment
    from portal.services.common import events
    from portal.services.integrations import webhooks
    from portal.services.pm import triggers as pm
    from portal.services.work_orders import checklists
    from portal.services.work_orders import lifecycle as work_orders

    # Work order completion: the checklist gate refuses first; then the asset the order took down
    # comes back up, and the PM schedule moves on.
    _add(work_orders.before_complete_hooks, checklists._required_items_done)
    _add(work_orders.after_complete_hooks, equipment.work_order_completed)
    _add(work_orders.after_complete_hooks, pm._pm_completed)
    # Events: the webhook outbox rows are written with each event and enqueued after commit.
    _add(events.event_listeners, webhooks.fan_out)
    _add(db.after_commit_hooks, webhooks.enqueue_committed)
