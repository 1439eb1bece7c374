"""The work order CSV export writes its cells by column type (portal/services/data_exchange/exports.py,
a column at a time, for speed at a million rows): every cell must be what safe_cell() writes for the
same value, the formula escape, empty NULLs, UTC times with milliseconds and 2-decimal money
included, on both engines."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import factories
from sqlalchemy import select

from portal.models import Equipment, User, WorkOrder
from portal.platform.extensions import db
from portal.services.data_exchange.columns import safe_cell
from portal.services.data_exchange.exports import WORK_ORDER_COLUMNS, _attribute


def test_typed_cells_are_the_cells_safe_cell_writes(client, auth, users):
    boss = users.actor("north", "manager")
    pump = factories.equipment(boss, assetTag="=PMP-1", location="-Hall 2")
    formula = factories.work_order(boss, title="=HYPERLINK(\"http://x\")", description="+1 call", priority="high",
                                   equipmentId=pump.id, assignedTo=users["north"]["technician"].id,
                                   dueDate="2026-03-04T05:06:07.891Z")
    plain = factories.work_order(boss, title="Plain, with \"quotes\"\nand a line", description=None)
    row = db.session.get(WorkOrder, formula.id)
    row.completed_at = datetime(2026, 3, 5, 23, 59, 58, 999_000, tzinfo=UTC)
    row.labor_cost = Decimal("12.5")
    row.parts_cost = Decimal("0")
    row.estimated_duration = 90
    row.failure_mode = "@VIB"
    db.session.commit()

    resp = client.get("/api/work-orders/export?sort=foNumber", headers=auth("north", "manager"))
    assert resp.status_code == 200
    lines = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert lines[0] == list(WORK_ORDER_COLUMNS)
    assert len(lines) == 3
    for line, wo_id in zip(lines[1:], sorted([formula.id, plain.id], key=lambda i: db.session.get(
            WorkOrder, i).fo_number), strict=True):
        wo = db.session.get(WorkOrder, wo_id)
        asset = db.session.scalar(select(Equipment.asset_tag).where(Equipment.id == wo.equipment_id))
        email = db.session.scalar(select(User.email).where(User.id == wo.assigned_to))
        values = {"asset_tag": asset, "assignee_email": email}
        expected = [safe_cell(values[a] if a in values else getattr(wo, a)) for a in map(_attribute, WORK_ORDER_COLUMNS)]
        assert line == expected
    first = dict(zip(lines[0], lines[1], strict=True))
    assert first["title"].startswith("'=") and first["description"] == "'+1 call"
    assert first["assetTag"] == "'=PMP-1" and first["failureMode"] == "'@VIB"
    assert first["dueDate"] == "2026-03-04T05:06:07.891Z" and first["completedAt"] == "2026-03-05T23:59:58.999Z"
    assert first["laborCost"] == "12.50" and first["partsCost"] == "0.00" and first["estimatedDuration"] == "90"
    second = dict(zip(lines[0], lines[2], strict=True))
    assert second["description"] == "" and second["completedAt"] == "" and second["assetTag"] == ""
