"""Labor and part consumptions carry their work order's asset (services/reporting/asset_costs.py):
given when added by any writer, moved when the work order moves, so costs per asset need no join."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from portal.models import LaborEntry, Part, PartConsumption
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.services.reporting import bad_actors
from tests.test_kpis import new_equipment, new_order

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def book(wo, user_id: str, cost: str) -> tuple[str, str]:
    with unit_of_work() as s:
        part = Part(warehouse_id=wo.warehouse_id, part_number=f"P-{wo.fo_number}", stock_level=10)
        s.add(part)
        labor = LaborEntry(warehouse_id=wo.warehouse_id, work_order_id=wo.id, user_id=user_id, minutes=60,
                           cost=Decimal(cost), performed_at=NOW)
        s.add(labor)
        s.flush()
        used = PartConsumption(warehouse_id=wo.warehouse_id, work_order_id=wo.id, part_id=part.id, quantity=1,
                               unit_cost=Decimal(cost), total_cost=Decimal(cost), consumed_at=NOW)
        s.add(used)
    return labor.id, used.id


def assets_of(labor_id: str, used_id: str) -> tuple[str | None, str | None]:
    db.session.expire_all()
    return db.session.get(LaborEntry, labor_id).equipment_id, db.session.get(PartConsumption, used_id).equipment_id


def test_booked_labor_and_parts_take_and_follow_their_work_orders_asset(app, users):
    m = users.actor("north", "manager")
    pump, fan = new_equipment(m, "PUMP-1"), new_equipment(m, "FAN-1")
    wo = new_order(m, NOW, "corrective", pump)
    loose = new_order(m, NOW, "corrective")  # no asset: its costs belong to none
    booked, unassigned = book(wo, m.id, "40.00"), book(loose, m.id, "5.00")
    assert assets_of(*booked) == (pump.id, pump.id)
    assert assets_of(*unassigned) == (None, None)

    with unit_of_work() as s:  # the work order was logged against the wrong asset
        s.get(type(wo), wo.id).equipment_id = fan.id
    assert assets_of(*booked) == (fan.id, fan.id)
    ranked = bad_actors.bad_actors(m, 30, now=NOW)["by_cost"]
    assert [(r["asset_tag"], r["cost"]) for r in ranked] == [("FAN-1", Decimal("80.00"))]
