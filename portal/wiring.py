"""Every cross-domain rule, wired in one place when the app is created: read wire() top to bottom.

"When X happens, also do Y" is a receiver connected here to a named signal (blinker) or, for the
cache and the live counters, a listener attached here to the app's session. Nothing registers
itself because its module was imported: a process that imported only
services/work_orders/lifecycle.py once completed PM work orders without scheduling the next one.

The signals are declared where they are sent: services/common/signals.py (the domain's) and
platform/database.py (committed). Each signal calls its receivers in the order they are connected
below (platform/signals.py). wire() is idempotent: create_app runs many times per process in tests,
and connecting a module-level function again, or attaching a listener already attached, adds
nothing.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import scoped_session


def wire(app: Flask | None = None) -> None:
    """Connect every cross-domain rule, in the order they run (idempotent)."""
    from portal.platform import cache, header_counts, live, people
    from portal.platform.database import committed
    from portal.platform.extensions import db
    from portal.services.assets import equipment
    from portal.services.common.signals import (
        event_recorded,
        warehouse_created,
        work_order_completed,
        work_order_completing,
    )
    from portal.services.integrations import webhooks
    from portal.services.notifications import outbox as notifications
    from portal.services.pm import triggers as pm
    from portal.services.reporting import asset_costs
    from portal.services.reporting import days as kpi_days
    from portal.services.work_orders import checklists, failure_codes, hold_reasons, signoff

    # --- Completing a work order (services/work_orders/lifecycle.py) ---------------------------
    # First, before anything of the change is applied: a work order with a required checklist
    # item not done is not completed (409 naming the items). A refusal here leaves nothing to undo.
    work_order_completing.connect(checklists.required_items_done, weak=False)
    # Then the sign-off: one that requires a signature has one (409 on field signature).
    work_order_completing.connect(signoff.signature_given, weak=False)
    # Then, once it is completed, in the same transaction and in this order:
    # the asset it took down comes back up (its downtime period closes, equipment.status_changed);
    work_order_completed.connect(equipment.work_order_completed, weak=False)
    # a PM work order moves its schedule on (last completion, pm.completed, the next work order).
    work_order_completed.connect(pm.work_order_completed, weak=False)

    # --- A new warehouse (services/identity/auth.py) ------------------------------------------
    # It starts with the default hold reasons ("Waiting for parts"...), which its managers edit.
    warehouse_created.connect(hold_reasons.warehouse_created, weak=False)
    # and the default failure catalogue (ISO 14224 modes, causes, remedies).
    warehouse_created.connect(failure_codes.warehouse_created, weak=False)

    # --- Domain events (services/common/events.py) ---------------------------------------------
    # Each recorded event writes one pending webhook delivery per subscribed endpoint, in the
    # event's transaction: committed with the change, or not at all.
    event_recorded.connect(webhooks.fan_out, weak=False)
    # And the people it concerns are notified (services/notifications/rules.py says who): their
    # notifications and e-mails are written in the same transaction (nothing is sent here).
    event_recorded.connect(notifications.fan_out, weak=False)
    # After the commit (platform/database.py, unit_of_work), the committed events' deliveries are
    # enqueued; the outbox sweeper sends whatever could not be enqueued now. The same for the mails.
    committed.connect(webhooks.enqueue_committed, weak=False)
    committed.connect(notifications.enqueue_committed, weak=False)

    # --- Every committed write, whatever wrote it (the app's session, db.session) -------------
    # The read cache: a committed write of a row a cached answer reads bumps its warehouse's
    # generation (a bulk UPDATE/DELETE without a warehouse in its WHERE bumps every warehouse's).
    _on_session(db.session, "before_flush", cache.collect_flushed)
    _on_session(db.session, "do_orm_execute", cache.collect_bulk)
    _on_session(db.session, "after_commit", cache.bump_committed)
    _on_session(db.session, "after_rollback", cache.forget_rolled_back)
    # Live updates: a committed change of a work order or of a row hanging off one bumps the
    # version of its warehouse and its own, which open boards and work order pages poll.
    _on_session(db.session, "before_flush", live.collect)
    _on_session(db.session, "after_commit", live.bump_committed)
    _on_session(db.session, "after_rollback", live.forget_rolled_back)
    # The header's counts (the bell, the inbox badge) are kept under the version they were counted
    # at; a committed change of a work request (or a warehouse's routing) bumps the inbox's version.
    _on_session(db.session, "before_flush", header_counts.collect)
    _on_session(db.session, "after_commit", header_counts.bump_committed)
    _on_session(db.session, "after_rollback", header_counts.forget_rolled_back)
    # The people a process keeps listed (the board's assignees) are checked against their
    # warehouse's version: a committed change of a user bumps it.
    _on_session(db.session, "before_flush", people.collect)
    _on_session(db.session, "do_orm_execute", people.collect_bulk)
    _on_session(db.session, "after_commit", people.bump_committed)
    _on_session(db.session, "after_rollback", people.forget_rolled_back)
    # The KPIs' day rows (work orders opened and completed, labor minutes per UTC day) are kept by
    # the transaction that writes the work orders and labor entries: its flushes' changes, written
    # just before it commits (the day's row is every step's: its lock is held for the commit only).
    _on_session(db.session, "after_flush", kpi_days.collect)
    _on_session(db.session, "before_commit", kpi_days.write_pending)
    _on_session(db.session, "after_commit", kpi_days.forget)
    # Labor and part consumptions carry their work order's asset (costs per asset without a join):
    # given when they are added, moved when the work order moves to another asset.
    _on_session(db.session, "before_flush", asset_costs.fill)
    _on_session(db.session, "after_flush", asset_costs.follow)


def _on_session(session: scoped_session, name: str, listener: Callable[..., None]) -> None:
    """Attach a listener to the app's scoped session: SQLAlchemy applies it to the Session class of
    that session's own sessionmaker, not to sqlalchemy.orm.Session (every Session in the process)."""
    if not event.contains(session, name, listener):
        event.listen(session, name, listener)
