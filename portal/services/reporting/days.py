"""Per warehouse and UTC day: work orders opened and completed, labor minutes (all, preventive).

The KPIs of a long window (GET /api/kpis?days=365, the weekly chart, trends) read these day rows
instead of counting hundreds of thousands of work orders and labor entries (bench/README.md,
kpis.py). The rows are kept by the same transactions that write the work orders and labor entries:
the app session's flushes are read (portal/wiring.py attaches `collect` after every flush), so no
service, job, import or CLI command that writes through the ORM can forget one, and a rolled-back
transaction takes its increments with it. A transaction's changes become one upsert per touched
day that adds to the counts (`opened = opened + :n`): two transactions on the same day both count.

The upserts are written just before the commit (`write_pending`, before_commit), not at each flush:
every step of a plant's crew adds to the same row (its warehouse's today), and a transaction holds
that row's lock from its upsert to its commit. Written at the first flush, the lock was held while
the step rendered its answer, and at 1,000 technicians the steps queued behind each other for
seconds (bench/README.md, plant.py). Inside a savepoint a flush writes at once, as before, so that
rolling the savepoint back takes its increments with it.

What moves a count: a work order inserted (opened on its created_at day, completed on its
completed_at day if already done); its created_at, completed_at or type changed (the old day or
kind is taken back, the new one added; a type change to or from preventive moves its labor between
the two labor sums); a labor entry inserted, changed (minutes, performed_at, work order) or deleted.
Bulk UPDATE statements are not seen: the ones on work_orders change none of these columns.

Bulk loads that bypass the ORM (bench/scale.py's COPY) call `rebuild()` afterwards; `flask
kpi-days rebuild` does the same for a warehouse whose rows are in doubt.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, case, cast, delete, func, inspect, literal_column, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.models import LaborEntry, WorkOrder, WorkOrderDay
from portal.platform.extensions import db

COUNTS = ("opened", "completed", "labor_minutes", "preventive_labor_minutes")
PREVENTIVE = "preventive"


def _day(at: datetime | None) -> date | None:
    return None if at is None else at.astimezone(UTC).date()


class _Deltas:
    """The increments of one flush, by (warehouse, day)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])

    def add(self, warehouse_id: str, at: datetime | None, column: str, n: int) -> None:
        day = _day(at)
        if day is not None and n:
            self.rows[(warehouse_id, day)][COUNTS.index(column)] += n

    def labor(self, warehouse_id: str, at: datetime | None, minutes: int, preventive: bool, sign: int) -> None:
        self.add(warehouse_id, at, "labor_minutes", sign * minutes)
        if preventive:
            self.add(warehouse_id, at, "preventive_labor_minutes", sign * minutes)

    def changed(self) -> list[dict]:
        return [{"warehouse_id": wid, "day": day, **dict(zip(COUNTS, counts, strict=True))}
                for (wid, day), counts in sorted(self.rows.items()) if any(counts)]


def _old_and_new(obj: Any, attribute: str) -> tuple[Any, Any, bool]:
    """(value before this flush, value now, changed?) from the attribute's history."""
    history = inspect(obj).attrs[attribute].history
    if not history.has_changes():
        return getattr(obj, attribute), getattr(obj, attribute), False
    old = history.deleted[0] if history.deleted else None
    return old, getattr(obj, attribute), True


# session.info: (the root transaction, its increments not written yet, whether it wrote them); a
# transaction that ended any other way (a rollback) is simply not the current one any more.
PENDING = "kpi_day_deltas"


def _pending(session: Session) -> list:
    root = session.get_transaction()
    held = session.info.get(PENDING)
    if held is None or held[0] is not root:
        held = session.info[PENDING] = [root, _Deltas(), False]
    return held


def collect(session: Session, _flush_context: Any) -> None:
    """after_flush: turn this flush's work orders and labor entries into day increments, kept for
    write_pending (or written at once inside a savepoint, or after write_pending already ran)."""
    work_orders = [o for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, WorkOrder)]
    labor = [o for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, LaborEntry)]
    if not work_orders and not labor:
        return
    pending = _pending(session)
    at_once = session.in_nested_transaction() or pending[2]
    deltas = _Deltas() if at_once else pending[1]
    connection = session.connection()
    for wo in work_orders:
        _work_order(deltas, connection, session, wo, {e.id for e in labor if e in session.new})
    if labor:
        kinds = _work_order_types(connection, session, {e.work_order_id for e in labor}
                                  | {_old_and_new(e, "work_order_id")[0] for e in labor if e not in session.new})
        for entry in labor:
            _labor_entry(deltas, session, entry, kinds)
    if at_once:
        _write(session, deltas)


def write_pending(session: Session) -> None:
    """before_commit: the transaction's increments, in one upsert, as late as the commit allows (the
    last flush first, so that its changes are counted)."""
    session.flush()
    pending = _pending(session)
    deltas, pending[1], pending[2] = pending[1], _Deltas(), True
    _write(session, deltas)


def forget(session: Session) -> None:
    """after_commit: the committed transaction's bookkeeping goes (a rolled-back one's is ignored
    by the next transaction, and replaced)."""
    session.info.pop(PENDING, None)


def _write(session: Session, deltas: _Deltas) -> None:
    rows = deltas.changed()
    if rows:
        connection = session.connection()
        connection.execute(_upsert(connection.dialect.name, rows))


def _work_order(deltas: _Deltas, connection: Any, session: Session, wo: WorkOrder, new_labor: set[str]) -> None:
    wid = wo.warehouse_id
    if wo in session.new:
        deltas.add(wid, wo.created_at, "opened", 1)
        deltas.add(wid, wo.completed_at, "completed", 1)
        return
    if wo in session.deleted:
        deltas.add(wid, wo.created_at, "opened", -1)
        deltas.add(wid, wo.completed_at, "completed", -1)
        return
    old_created, created, moved = _old_and_new(wo, "created_at")
    if moved:
        deltas.add(wid, old_created, "opened", -1)
        deltas.add(wid, created, "opened", 1)
    old_completed, completed, moved = _old_and_new(wo, "completed_at")
    if moved:
        deltas.add(wid, old_completed, "completed", -1)
        deltas.add(wid, completed, "completed", 1)
    old_type, new_type, moved = _old_and_new(wo, "type")
    if moved and (old_type == PREVENTIVE) != (new_type == PREVENTIVE):
        # Its labor booked before this flush changes side; entries added in this flush are counted
        # with the type they are booked under (_labor_entry reads the work order's type now).
        sign = 1 if new_type == PREVENTIVE else -1
        booked = connection.execute(select(LaborEntry.id, LaborEntry.performed_at, LaborEntry.minutes)
                                    .where(LaborEntry.work_order_id == wo.id)).all()
        for entry_id, performed_at, minutes in booked:
            if entry_id not in new_labor:
                deltas.add(wid, performed_at, "preventive_labor_minutes", sign * minutes)


def _work_order_types(connection: Any, session: Session, ids: set[str]) -> dict[str, str]:
    """The type of each work order, as this flush leaves it: from the session where it holds the
    object (possibly changed in this very flush), else from the database (no autoflush: a plain
    statement on the flush's connection)."""
    held = {o.id: o.type for o in (*session.identity_map.values(), *session.new) if isinstance(o, WorkOrder)}
    missing = [i for i in ids if i is not None and i not in held]
    if missing:
        held.update(connection.execute(select(WorkOrder.id, WorkOrder.type).where(WorkOrder.id.in_(missing))).all())
    return held


def _labor_entry(deltas: _Deltas, session: Session, entry: LaborEntry, kinds: dict[str, str]) -> None:
    wid = entry.warehouse_id
    now_preventive = kinds.get(entry.work_order_id) == PREVENTIVE
    if entry in session.new:
        deltas.labor(wid, entry.performed_at, entry.minutes, now_preventive, 1)
        return
    old_minutes, minutes, m1 = _old_and_new(entry, "minutes")
    old_at, at, m2 = _old_and_new(entry, "performed_at")
    old_wo, _wo, m3 = _old_and_new(entry, "work_order_id")
    if entry in session.deleted:
        deltas.labor(wid, old_at, old_minutes, kinds.get(old_wo) == PREVENTIVE, -1)
    elif m1 or m2 or m3:
        deltas.labor(wid, old_at, old_minutes, kinds.get(old_wo) == PREVENTIVE, -1)
        deltas.labor(wid, at, minutes, now_preventive, 1)


def _upsert(dialect: str, rows: list[dict]) -> Any:
    """INSERT the day rows, or add to the ones that exist (both databases' ON CONFLICT)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(WorkOrderDay).values(rows)
    table = WorkOrderDay.__table__
    return stmt.on_conflict_do_update(
        index_elements=[table.c.warehouse_id, table.c.day],
        set_={c: table.c[c] + stmt.excluded[c] for c in COUNTS})


# --- Reading -------------------------------------------------------------------------------------

def totals(warehouse_id: str, first: date, last: date) -> list[tuple[date, int, int, int, int]]:
    """The day rows of [first, last] (days without any row are absent): (day, opened, completed,
    labor minutes, preventive labor minutes)."""
    d = WorkOrderDay
    return [(row[0], *map(int, row[1:])) for row in db.session.execute(
        select(d.day, d.opened, d.completed, d.labor_minutes, d.preventive_labor_minutes)
        .where(d.warehouse_id == warehouse_id, d.day >= first, d.day <= last))]


# --- Rebuilding (after a load that bypassed the ORM) ---------------------------------------------

def _day_of(column: Any) -> Any:
    if db.session.get_bind().dialect.name == "sqlite":
        return func.date(column)
    return cast(column, Date)


def rebuild(warehouse_id: str) -> int:
    """Recount a warehouse's day rows from its work orders and labor entries; returns the number of
    days written. The caller commits."""
    wo, le = WorkOrder, LaborEntry
    zero = literal_column("0")
    opened = select(_day_of(wo.created_at).label("day"), func.count().label("opened"), zero.label("completed"),
                    zero.label("labor"), zero.label("preventive")).where(
        wo.warehouse_id == warehouse_id).group_by(_day_of(wo.created_at))
    completed = select(_day_of(wo.completed_at), zero, func.count(), zero, zero).where(
        wo.warehouse_id == warehouse_id, wo.completed_at.is_not(None)).group_by(_day_of(wo.completed_at))
    preventive = func.sum(case((wo.type == PREVENTIVE, le.minutes), else_=0))
    worked = select(_day_of(le.performed_at), zero, zero, func.sum(le.minutes), preventive).join(
        wo, wo.id == le.work_order_id).where(le.warehouse_id == warehouse_id).group_by(_day_of(le.performed_at))
    parts = union_all(opened, completed, worked).subquery()
    rows = db.session.execute(
        select(parts.c.day, func.sum(parts.c.opened), func.sum(parts.c.completed), func.sum(parts.c.labor),
               func.sum(parts.c.preventive)).group_by(parts.c.day)).all()
    db.session.execute(delete(WorkOrderDay).where(WorkOrderDay.warehouse_id == warehouse_id))
    values = [{"warehouse_id": warehouse_id, "day": day if isinstance(day, date) else date.fromisoformat(day),
               **dict(zip(COUNTS, (int(n or 0) for n in counts), strict=True))} for day, *counts in rows]
    for start in range(0, len(values), 1000):
        db.session.execute(WorkOrderDay.__table__.insert(), values[start:start + 1000])
    return len(values)
