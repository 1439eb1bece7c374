"""Labor entries and part consumptions carry the asset of their work order.

Costs per asset (bad actors, the KPIs' listed assets) then read the labor and parts of a window from
their own indexes, (warehouse, time, asset, cost), instead of joining ~240,000 rows of a year to a
million work orders to learn each one's asset (2.2 s at a million: bench/README.md, kpis.py).

Kept from the app session's flushes (portal/wiring.py), so no writer can forget it:
- before a flush, a new labor entry or consumption without an asset takes its work order's;
- after a flush that moved a work order to another asset (or none), its labor and parts follow.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session

from portal.models import LaborEntry, PartConsumption, WorkOrder

BOOKED = (LaborEntry, PartConsumption)


def fill(session: Session, _flush_context: Any, _instances: Any) -> None:
    """before_flush: give new labor and consumptions their work order's asset."""
    new = [o for o in session.new if isinstance(o, BOOKED) and o.equipment_id is None and o.work_order_id]
    if not new:
        return
    held = {o.id: o.equipment_id for o in (*session.identity_map.values(), *session.new) if isinstance(o, WorkOrder)}
    missing = {o.work_order_id for o in new} - held.keys()
    if missing:
        with session.no_autoflush:
            held.update(session.execute(select(WorkOrder.id, WorkOrder.equipment_id)
                                        .where(WorkOrder.id.in_(missing))).all())
    for booked in new:
        booked.equipment_id = held.get(booked.work_order_id)


def follow(session: Session, _flush_context: Any) -> None:
    """after_flush: a work order moved to another asset takes its booked labor and parts along."""
    moved = []
    for wo in session.dirty:
        if isinstance(wo, WorkOrder):
            history = inspect(wo).attrs.equipment_id.history
            if history.has_changes():
                moved.append(wo)
    if not moved:
        return
    connection = session.connection()
    for wo in moved:
        for model in BOOKED:
            connection.execute(update(model).where(model.work_order_id == wo.id).values(equipment_id=wo.equipment_id))
