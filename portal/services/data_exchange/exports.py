"""CSV exports of assets, parts and work orders, streamed: rows are read in chunks (yield_per) and
written chunk by chunk, so a warehouse of 100,000 rows never sits in memory.

Assets and parts are written with the import's columns (columns.py), so an exported file imports
again as "0 created, N updated". Work orders take the list's filters (WorkOrderQuery, the same
query-building code as GET /api/work-orders). Every cell goes through columns.safe_cell (no
formula a spreadsheet would run).
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Float, Integer, Numeric, String, Text, type_coerce
from sqlalchemy.orm import aliased

from portal.models import Equipment, User, WorkOrder
from portal.models.types import UTCDateTime
from portal.platform.extensions import db
from portal.schemas.equipment import EquipmentQuery
from portal.schemas.parts import PartQuery
from portal.schemas.work_orders import WorkOrderOut, WorkOrderQuery
from portal.services.assets.equipment import equipment_select
from portal.services.common.actor import Actor
from portal.services.data_exchange.columns import _FORMULA_START, COLUMNS, csv_line, safe_cell
from portal.services.inventory.parts import parts_select
from portal.services.work_orders.reads import ROW_COLUMNS, work_order_select

CHUNK_ROWS = 500
WORK_ORDER_COLUMNS = ("foNumber", "title", "description", "status", "priority", "type", "assetTag", "equipmentId",
                      "assignedTo", "assigneeEmail", "requestedBy", "dueDate", "createdAt", "updatedAt", "completedAt",
                      "completionNotes", "estimatedDuration", "actualDuration", "partsCost", "laborCost", "failureMode",
                      "failureCause", "failureRemedy", "id")


def _stream(header: Iterable[str], chunks: Iterator[list[list[Any]]]) -> Iterator[str]:
    """The header line, then one string per chunk of rows."""
    yield csv_line(header)
    for chunk in chunks:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerows([[safe_cell(c) for c in row] for row in chunk])
        yield out.getvalue()


def _attribute(column: str) -> str:
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in column)


def _model_chunks(stmt, columns: tuple[str, ...]) -> Iterator[list[list[Any]]]:
    attrs = [_attribute(c) for c in columns]
    result = db.session.scalars(stmt.execution_options(yield_per=CHUNK_ROWS))
    for partition in result.partitions():
        yield [[getattr(obj, a) for a in attrs] for obj in partition]


def export_equipment(actor: Actor, query: EquipmentQuery) -> Iterator[str]:
    """The assets of the list's filters (all of them without filters), in the import's columns."""
    stmt = equipment_select(actor, query)  # checks the permission now, not at the first chunk
    parent = aliased(Equipment)
    # The parent by its asset tag (parentTag), read in the same query: one outer join.
    stmt = stmt.outerjoin(parent, parent.id == Equipment.parent_id).add_columns(parent.asset_tag)
    attrs = [_attribute(c) for c in COLUMNS["assets"]]

    def chunks() -> Iterator[list[list[Any]]]:
        result = db.session.execute(stmt.execution_options(yield_per=CHUNK_ROWS))
        for partition in result.partitions():
            yield [[parent_tag if a == "parent_tag" else getattr(eq, a) for a in attrs]
                   for eq, parent_tag in partition]

    return _stream(COLUMNS["assets"], chunks())


def export_parts(actor: Actor, query: PartQuery) -> Iterator[str]:
    stmt = parts_select(actor, query)
    return _stream(COLUMNS["parts"], _model_chunks(stmt, COLUMNS["parts"]))


# --- Work orders: typed cells, written a column at a time ------------------------------------------
# The same cells as safe_cell() writes (tests/test_exports.py compares them), without asking each
# value its type: a million rows are 24 million cells, and the isinstance chain, the UTC type's
# per-value conversion and a call per cell were most of the export's CPU (bench/README.md).

def _text_cell(value: str | None) -> str:
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _utc_cell(value: datetime | None) -> str:
    """A naive UTC time as stored (read without UTCDateTime's per-value conversion), as iso() writes it."""
    if value is None:
        return ""
    return "%d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (  # noqa: UP031 (the same text as iso(), as fast)
        value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond // 1000)


def _int_cell(value: int | None) -> str:
    return "" if value is None else str(value)


def _money_cell(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _cell_writer(column: Any) -> tuple[Any, Callable[[Any], str]]:
    """The column as selected and the function writing its cells, by its type."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return type_coerce(column, DateTime()).label(column.key), _utc_cell
    if isinstance(kind, Numeric) and not isinstance(kind, Integer | Float):
        return column, _money_cell
    if isinstance(kind, Integer):
        return column, _int_cell
    if isinstance(kind, String | Text):
        return column, _text_cell
    return column, safe_cell


def _typed_stream(header: Iterable[str], rows: Iterator[list[Any]], writers: list[Callable[[Any], str]]) -> Iterator[str]:
    """The header line, then one string per chunk: each column's cells written by its own function
    (map over the column), the rows put back together by the csv module."""
    yield csv_line(header)
    for chunk in rows:
        out = io.StringIO()
        columns = [list(map(write, cells)) for write, cells in zip(writers, zip(*chunk, strict=True), strict=True)]
        csv.writer(out, lineterminator="\r\n").writerows(zip(*columns, strict=True))
        yield out.getvalue()


def export_work_orders(actor: Actor, query: WorkOrderQuery) -> Iterator[str]:
    """The work orders the list shows for the same filters and sort, every page of them; with the
    asset's tag and the assignee's e-mail beside their ids."""
    assignee = aliased(User)
    # Plain rows in the file's column order, not an ORM object per work order: at a million rows
    # the objects cost more CPU than writing the CSV (bench/README.md, "scale.py").
    extra = {"asset_tag": Equipment.asset_tag, "assignee_email": assignee.email}
    columns, writers = zip(*(_cell_writer(extra.get(a, WorkOrder.__table__.c.get(a)))
                             for a in map(_attribute, WORK_ORDER_COLUMNS)), strict=True)
    stmt = (work_order_select(actor, query)
            .outerjoin(Equipment, Equipment.id == WorkOrder.equipment_id)
            .outerjoin(assignee, assignee.id == WorkOrder.assigned_to)
            .with_only_columns(*columns))

    def chunks() -> Iterator[list[Any]]:
        # Tuples straight from the driver's cursor (server-side on PostgreSQL: stream_results).
        result = db.session.connection().execute(stmt.execution_options(yield_per=CHUNK_ROWS))
        yield from result.partitions()

    return _typed_stream(WORK_ORDER_COLUMNS, chunks(), list(writers))



_work_order_json = WorkOrderOut.row_dumper()


def export_work_orders_ndjson(actor: Actor, query: WorkOrderQuery) -> Iterator[str]:
    """The work orders of the list's filters and sort, one JSON object per line as GET
    /api/work-orders writes them (for BI loaders), then {"end": true, "rows": N}: a reader that
    misses that line knows the stream was cut short."""
    stmt = work_order_select(actor, query).with_only_columns(*ROW_COLUMNS)  # the permission now

    def lines() -> Iterator[str]:
        rows = 0
        result = db.session.connection().execute(stmt.execution_options(yield_per=CHUNK_ROWS))
        for partition in result.mappings().partitions():
            rows += len(partition)
            yield "".join(json.dumps(_work_order_json(row), ensure_ascii=False, separators=(",", ":")) + "\n"
                          for row in partition)
        yield json.dumps({"end": True, "rows": rows}) + "\n"

    return lines()
