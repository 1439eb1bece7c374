"""Build records through the services (never raw inserts), so tests start from real states."""
from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pyotp

from portal.platform.extensions import db
from portal.schemas.equipment import EquipmentCreate
from portal.schemas.parts import PartCreate
from portal.schemas.work_orders import WorkOrderCreate, WorkOrderUpdate
from portal.services.assets import equipment as equipment_service
from portal.services.common.actor import Actor
from portal.services.inventory import parts as parts_service
from portal.services.work_orders import lifecycle as work_order_service

_seq = itertools.count(1)


def equipment(actor: Actor, **fields: Any):
    body = {"assetTag": f"PUMP-{next(_seq):04d}", "manufacturer": "Grundfos", "model": "CR 64",
            "description": "Circulation pump", "location": "Building A", "area": "Mechanical Room",
            "criticality": "medium", **fields}
    return equipment_service.create_equipment(actor, EquipmentCreate(**body))


def part(actor: Actor, **fields: Any):
    body = {"partNumber": f"BRG-{next(_seq):04d}", "description": "Ball bearing 6205-2RS", "category": "Bearings",
            "stockLevel": 45, "reorderPoint": 10, "unitCost": "12.50", "supplier": "SKF Industrial",
            "location": "Shelf A-12-B", **fields}
    return parts_service.create_part(actor, PartCreate(**body))


def work_order(actor: Actor, *, now: datetime | None = None, **fields: Any):
    body = {"title": f"Replace bearing #{next(_seq)}", "priority": "medium", "type": "corrective", **fields}
    return work_order_service.create_work_order(actor, WorkOrderCreate(**body), now=now)


def move_to(actor: Actor, work_order_id: str, *statuses: str, **fields: Any):
    """Walk a work order through statuses (e.g. "in_progress", "on_hold") with the given actor."""
    wo = None
    for status in statuses:
        wo = work_order_service.update_work_order(actor, work_order_id, WorkOrderUpdate(status=status, **fields))
    return wo


def totp_code(user, at: datetime) -> str:
    return pyotp.TOTP(user.totp_secret).at(at)


def run_together(app, count: int, work: Callable[[int], Any]) -> list[tuple[str, Any]]:
    """Start `count` threads at the same moment; each returns ("ok", value) or ("error", exception)."""
    barrier = threading.Barrier(count)
    results: list[tuple[str, Any]] = [("missing", None)] * count

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = ("ok", work(i))
            except Exception as exc:  # collected and asserted on by the test
                results[i] = ("error", exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results
