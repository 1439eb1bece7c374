"""Related records written into work order reads on request (`expand=parts,checklist,labor,comments`):
one statement per expansion for a whole page of work orders, never one per work order."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from portal.models import ChecklistItem, LaborEntry, PartConsumption, WorkOrderComment
from portal.platform.extensions import db
from portal.schemas.attachments import CommentOut
from portal.schemas.pm import LaborOut, WorkOrderChecklistItemOut
from portal.schemas.work_orders import EXPAND_ITEMS_MAX, PartUsageOut

# name: (model, the order within a work order, how a record is written)
_EXPANSIONS: dict[str, tuple[Any, tuple, Any]] = {
    "parts": (PartConsumption, (PartConsumption.consumed_at, PartConsumption.id), PartUsageOut),
    "checklist": (ChecklistItem, (ChecklistItem.position, ChecklistItem.id), WorkOrderChecklistItemOut),
    "labor": (LaborEntry, (LaborEntry.performed_at, LaborEntry.id), LaborOut),
    "comments": (WorkOrderComment, (WorkOrderComment.created_at, WorkOrderComment.id), CommentOut),
}


def expand(rows: list[dict], names: Iterable[str]) -> list[dict]:
    """The work orders as written by the API (dicts with "id"), each with the named expansions
    added: the first EXPAND_ITEMS_MAX records of each, in the order the work order's own pages
    list them. The rows come from a read already limited to the actor's warehouse."""
    ids = [row["id"] for row in rows]
    for name in names:
        model, order, out = _EXPANSIONS[name]
        found: dict[str, list[dict]] = {i: [] for i in ids}
        if ids:
            ranked = (select(model.id, func.row_number().over(partition_by=model.work_order_id, order_by=order)
                             .label("n"))
                      .where(model.work_order_id.in_(ids)).subquery())
            records = db.session.scalars(
                select(model).join(ranked, ranked.c.id == model.id)
                .where(ranked.c.n <= EXPAND_ITEMS_MAX).order_by(model.work_order_id, *order))
            for record in records:
                found[record.work_order_id].append(out.dump(record))
        for row in rows:
            row[name] = found[row["id"]]
    return rows
