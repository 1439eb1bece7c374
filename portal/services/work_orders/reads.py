"""Work order reads, one read model per screen, the same for the JSON API and the portal.

- The list (filters, sort, paging, search, overdue): list_answer() gives one page as the API
  writes it, kept in the read cache (portal/platform/cache.py) until the warehouse's next write;
  list_page() gives the same answer to the portal as WorkOrderOut objects. Both faces read the
  same statement and the same cache entry.
- One work order: work_order_detail_rows() is what GET /api/work-orders/{id} writes;
  work_order_page() adds what the portal's page shows (checklist, labor, names).
- The counts of open work orders by status (My work).
- labels(): the names of the people, assets and parts a work order screen mentions, and the
  people work can be assigned to, in one statement.

Every statement here filters by the actor's warehouse through IN_WAREHOUSE, bound from the actor
by in_warehouse(); the permission is checked once per read, before the cache is consulted.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from time import monotonic
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    not_,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)

from portal.models import (
    ChecklistItem,
    Equipment,
    HoldReason,
    LaborEntry,
    Part,
    PartConsumption,
    User,
    WorkOrder,
    WorkOrderHistory,
)
from portal.models.enums import CLOSED_STATUSES, OPEN_STATUSES
from portal.models.search import search_text
from portal.models.types import utcnow
from portal.platform import people as people_version
from portal.platform.cache import cached
from portal.platform.extensions import db
from portal.schemas.common import SyncCursor, encode_cursor
from portal.schemas.work_orders import WorkOrderOut, WorkOrderQuery
from portal.services.common.actor import Actor
from portal.services.common.errors import NotFound
from portal.services.common.querying import (
    Page,
    SyncPage,
    capped_count,
    count_window,
    like_pattern,
    settle_count,
    sync_horizon,
    sync_statement,
)
from portal.services.identity.permissions import require
from portal.services.work_orders.expansions import expand
from portal.services.work_orders.lifecycle import ASSIGNABLE_ROLES

PRIORITY_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}
READ = "work_orders.read"

# The warehouse filter of every work order read. A parameter, not a value: the statements below
# are built once and bound per request (in_warehouse), so no read can leave it out or bind
# another warehouse than the actor's.
IN_WAREHOUSE = WorkOrder.warehouse_id == bindparam("warehouse_id")


def in_warehouse(actor: Actor) -> dict[str, Any]:
    """The parameters binding IN_WAREHOUSE to the actor's warehouse."""
    return {"warehouse_id": actor.warehouse_id}


# --- The list ------------------------------------------------------------------------------------

def work_order_select(actor: Actor, query: WorkOrderQuery) -> Select:
    """The list's filtered, sorted query (no paging): the list pages it, the CSV export streams it."""
    require(actor, READ)
    return _filtered(_shape(query)).params(_filter_values(actor, query))


def _shape(query: WorkOrderQuery) -> tuple:
    """Which filters a query uses and its sort: what the statement's text depends on."""
    return (bool(query.status), bool(query.priority), bool(query.type), bool(query.assigned_to),
            bool(query.equipment_id), bool(query.due_before), bool(query.due_after), query.overdue,
            bool(query.q), query.sort, bool(query.updated_since), bool(query.created_after),
            bool(query.created_before))


def _filter_values(actor: Actor, query: WorkOrderQuery) -> dict[str, Any]:
    """The values of _filtered()'s parameters (those of unused filters are never read)."""
    return {**in_warehouse(actor), "status": query.status, "priority": query.priority,
            "type": query.type, "assigned_to": query.assigned_to, "equipment_id": query.equipment_id,
            "due_before": query.due_before, "due_after": query.due_after, "now": utcnow(),
            "updated_since": query.updated_since, "created_after": query.created_after,
            "created_before": query.created_before,
            "open_statuses": list(OPEN_STATUSES),
            "q": like_pattern(query.q) if query.q else None}


@lru_cache(maxsize=256)
def _filtered(shape: tuple) -> Select:
    """The filtered, sorted statement of one shape, with bound parameters for every value: built
    and hashed once per shape instead of per request (that cost ~0.2 ms of a list's CPU)."""
    (status, priority, type_, assigned_to, equipment_id, due_before, due_after, overdue, q, sort,
     updated_since, created_after, created_before) = shape
    stmt = select(WorkOrder).where(IN_WAREHOUSE)
    if updated_since:
        stmt = stmt.where(WorkOrder.updated_at >= bindparam("updated_since"))
    if created_after:
        stmt = stmt.where(WorkOrder.created_at >= bindparam("created_after"))
    if created_before:
        stmt = stmt.where(WorkOrder.created_at < bindparam("created_before"))
    if status:
        stmt = stmt.where(WorkOrder.status.in_(bindparam("status", expanding=True)))
    if priority:
        stmt = stmt.where(WorkOrder.priority.in_(bindparam("priority", expanding=True)))
    if type_:
        stmt = stmt.where(WorkOrder.type.in_(bindparam("type", expanding=True)))
    if assigned_to:
        stmt = stmt.where(WorkOrder.assigned_to == bindparam("assigned_to"))
    if equipment_id:
        stmt = stmt.where(WorkOrder.equipment_id == bindparam("equipment_id"))
    if due_before:
        stmt = stmt.where(WorkOrder.due_date < bindparam("due_before"))
    if due_after:
        stmt = stmt.where(WorkOrder.due_date >= bindparam("due_after"))
    if overdue is not None:
        # Named like every other value: an anonymous parameter of a statement built once is not
        # found when the values are bound per request (a 500 once status= and overdue= met).
        late = and_(WorkOrder.due_date.is_not(None), WorkOrder.due_date < bindparam("now"),
                    WorkOrder.status.in_(bindparam("open_statuses", expanding=True)))
        stmt = stmt.where(late if overdue else not_(late))
    if q:
        # The trigram index's expression (portal/models/search.py): one ILIKE the index answers.
        stmt = stmt.where(search_text(WorkOrder.fo_number, WorkOrder.title, WorkOrder.description)
                          .ilike(bindparam("q"), escape="\\"))
    return stmt.order_by(*_order(WorkOrder, sort))


def _order(columns: Any, sort: str) -> tuple:
    """The ORDER BY of a sort over `columns` (the WorkOrder entity, or the columns of a subquery of
    its rows), the id breaking ties."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    column = {
        "createdAt": columns.created_at,
        "updatedAt": columns.updated_at,
        "dueDate": columns.due_date,
        "foNumber": columns.fo_number,
        "priority": case(PRIORITY_RANK, value=columns.priority),
    }[key]
    order = column.desc() if descending else column.asc()
    if key in ("dueDate", "priority"):  # nullable: NULLs last either way
        order = order.nulls_last()
    # createdAt/updatedAt/foNumber are never NULL: without NULLS LAST a descending list is read
    # backwards from the (warehouse, [status,] created_at) index and stops at `limit` (bench/README.md).
    return order, columns.id


# The columns of the API's answers (WorkOrderOut), read as plain rows: the list and the detail
# answer every API client, and an ORM object per row cost more CPU than the query (bench/README.md).
ROW_COLUMNS = tuple(WorkOrder.__table__.c[name] for name in WorkOrderOut.model_fields)
# The list's rows written without a pydantic model per row: the same fields, names and formats
# as WorkOrderOut.dump() (generated from it; tests/test_speed_paths.py).
_work_order_json = WorkOrderOut.row_dumper()


def _count_statement(shape: tuple, exact: bool) -> Select:
    """The count of a shape's rows: all of them (exact), or at most :count_to of them (a capped
    count, services/common/querying.py count_window)."""
    rows = _filtered(shape).with_only_columns(WorkOrder.id).order_by(None)
    if not exact:
        rows = rows.limit(bindparam("count_to", type_=Integer))
    return select(func.count()).select_from(rows.subquery())


@lru_cache(maxsize=256)
def _page_statement(shape: tuple, exact: bool) -> Select:
    """One page of rows of a shape, each with the (capped) total count: a scalar subquery that
    PostgreSQL runs once beside the page, one round trip instead of two."""
    total = _count_statement(shape, exact).scalar_subquery().correlate(None)
    return (_filtered(shape).with_only_columns(*ROW_COLUMNS, total.label("_total"))
            .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))


@lru_cache(maxsize=256)
def _rows_statement(shape: tuple) -> Select:
    """One page of rows of a shape, without a count."""
    return (_filtered(shape).with_only_columns(*ROW_COLUMNS)
            .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))


@lru_cache(maxsize=256)
def _search_page_statement(shape: tuple) -> Select:
    """A `q=` search's page and capped count from one pass over its matches: the first :count_to
    matching rows in any order (a materialised CTE: on PostgreSQL the trigram index's bitmap, or a
    scan that stops at :count_to), counted, and, sorted among themselves, paged. Each row carries
    the count (_total).

    When fewer than :count_to rows match, the CTE holds every match and the page is right: a rare
    term's newest rows are found by sorting its few matches, never by walking the newest work
    orders until enough of them match (tens of thousands of rows for a term in 1 of 5,000). When
    :count_to rows match, the rows are a sample and the caller pages the ordinary statement (a
    common term's newest matches are near the top of the created_at index)."""
    sort = shape[9]
    matches = (_filtered(shape).with_only_columns(*ROW_COLUMNS).order_by(None)
               .limit(bindparam("count_to", type_=Integer)).cte("matches").prefix_with("MATERIALIZED"))
    total = select(func.count()).select_from(matches).scalar_subquery()
    return (select(*matches.c, total.label("_total")).order_by(*_order(matches.c, sort))
            .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))


def list_answer_depends_on_rows_only(query: WorkOrderQuery) -> bool:
    """Whether a list's answer changes only when work orders are written, so that the cache may
    keep it until the next write: an overdue filter changes with the clock."""
    return query.overdue is None


def list_answer(actor: Actor, query: WorkOrderQuery) -> dict:
    """One page of the list as the API writes it: {"total": n, "items": [WorkOrderOut as JSON]}.

    Plain JSON values, so that an answer kept in the cache reads back exactly as computed. Kept
    until the warehouse's next committed write of a work order (integrations and open boards poll
    the same filtered lists far more often than work orders change: bench/README.md), unless it
    depends on the clock. The permission is checked first: a kept answer never skips it."""
    require(actor, READ)
    if query.expand:  # related records change without a work order write: never kept
        answer = _list_answer(actor, query)
        expand(answer["items"], query.expand)
        return answer
    if not list_answer_depends_on_rows_only(query):
        return _list_answer(actor, query)
    return cached("work-orders", actor.warehouse_id, (query.model_dump(mode="json"),),
                  lambda: _list_answer(actor, query))


def _list_answer(actor: Actor, query: WorkOrderQuery) -> dict:
    page = _list_rows(actor, query)
    return {"total": page.total, "exact": page.exact, "items": [_work_order_json(row) for row in page.items]}


def sync_answer(actor: Actor, query: WorkOrderQuery) -> SyncPage:
    """A sync read of the list (query.cursor set): the work orders after the cursor in
    (updatedAt, id) order, as the API writes them (services/common/querying.py). Never cached:
    its horizon moves with the clock."""
    require(actor, READ)
    shape, values = _shape(query), _filter_values(actor, query)
    stmt = sync_statement(_filtered(shape), WorkOrder, query.position, sync_horizon())
    connection = db.session.connection()
    window = count_window(1, query.limit, query.exact_count, search=bool(query.q))
    counted = connection.execute(capped_count(stmt.with_only_columns(WorkOrder.id), window), values).scalar() or 0
    remaining, exact = settle_count(counted, window)
    rows = connection.execute(stmt.with_only_columns(*ROW_COLUMNS).limit(query.limit + 1), values).mappings().all()
    more, rows = len(rows) > query.limit, rows[:query.limit]
    after = SyncCursor(rows[-1]["updated_at"], rows[-1]["id"]) if rows else query.position
    items = [_work_order_json(row) for row in rows]
    if query.expand:
        expand(items, query.expand)
    return SyncPage(items=items, remaining=remaining, next_cursor=encode_cursor(after), more=more, exact=exact)


def list_page(actor: Actor, query: WorkOrderQuery) -> Page:
    """list_answer() for the portal: the same page (from the same cache entry), its rows as
    WorkOrderOut objects (attribute names, datetimes) for the templates."""
    answer = list_answer(actor, query)
    return Page(items=[WorkOrderOut.model_validate(item) for item in answer["items"]], total=answer["total"],
                page=query.page, limit=query.limit, exact=answer.get("exact", True))


def _list_rows(actor: Actor, query: WorkOrderQuery) -> Page:
    """One page of the list as read-only rows (mappings by attribute name, the columns of
    ROW_COLUMNS) and its total, in one statement."""
    shape, values = _shape(query), _filter_values(actor, query)
    window = count_window(query.page, query.limit, query.exact_count, search=bool(query.q))
    if window is not None:
        values["count_to"] = window + 1
    paging = {"limit": query.limit, "offset": (query.page - 1) * query.limit}
    connection = db.session.connection()  # Core: no ORM object is loaded, so no ORM execution either
    if query.q and window is not None:
        rows = connection.execute(_search_page_statement(shape), {**values, **paging}).mappings().all()
        if rows and rows[0]["_total"] > window:  # more matches than the window: page them in order
            rows = connection.execute(_rows_statement(shape), {**values, **paging}).mappings().all()
            return Page(items=list(rows), total=window, page=query.page, limit=query.limit, exact=False)
    else:
        rows = connection.execute(_page_statement(shape, window is None), {**values, **paging}).mappings().all()
    if rows:
        counted = rows[0]["_total"]
    elif query.page == 1:
        counted = 0
    else:  # past the last page: no row carries the total
        counted = db.session.scalar(_count_statement(shape, window is None), values) or 0
    total, exact = settle_count(counted, window)
    return Page(items=list(rows), total=total, page=query.page, limit=query.limit, exact=exact)


# --- One work order ------------------------------------------------------------------------------

@cache
def _detail_statement() -> Select:
    """The work order LEFT JOINed with its parts and its history (one UNION ALL, ordered as the
    detail lists them), built once: building and hashing this statement per request cost more
    than running it. Plain table columns, so it runs on the connection without the ORM."""
    wo, pc, h = WorkOrder.__table__.c, PartConsumption.__table__.c, WorkOrderHistory.__table__.c
    lines = union_all(
        select(literal_column("0", Integer).label("kind"), pc.work_order_id.label("wo"), pc.id.label("line_id"),
               pc.consumed_at.label("at"), pc.consumed_by.label("who"), pc.part_id.label("what"),
               pc.quantity.label("quantity"), pc.unit_cost.label("unit_cost"), pc.total_cost.label("total_cost"),
               type_coerce(null(), JSON).label("changes")),
        select(literal_column("1", Integer), h.work_order_id, h.id, h.at, h.user_id, h.action,
               null(), null(), null(), h.changes),
    ).subquery()
    return (
        select(*ROW_COLUMNS, *(c for c in lines.c if c.name != "wo"))
        .outerjoin(lines, lines.c.wo == wo.id)
        .where(wo.id == bindparam("work_order_id"), IN_WAREHOUSE)
        .order_by(lines.c.kind, lines.c.at, lines.c.line_id)
    )


def work_order_detail_rows(actor: Actor, work_order_id: str) -> dict:
    """One work order with its parts, parts cost and history as read-only rows, in one statement:
    what GET /api/work-orders/{id} writes and the portal's page starts from. Parts are mappings
    with PartConsumption's attribute names, history rows with WorkOrderHistory's."""
    require(actor, READ)
    if not work_order_id or "\x00" in work_order_id:  # PostgreSQL refuses a NUL: simply not found
        raise NotFound("Work order not found")
    rows = db.session.connection().execute(
        _detail_statement(), {"work_order_id": str(work_order_id), **in_warehouse(actor)},
    ).mappings().all()
    if not rows:
        raise NotFound("Work order not found")
    parts = [{"id": r["line_id"], "part_id": r["what"], "quantity": r["quantity"], "unit_cost": r["unit_cost"],
              "total_cost": r["total_cost"], "consumed_by": r["who"], "consumed_at": r["at"]}
             for r in rows if r["kind"] == 0]
    history = [{"action": r["what"], "user_id": r["who"], "at": r["at"], "changes": r["changes"]}
               for r in rows if r["kind"] == 1]
    cost = sum((p["total_cost"] for p in parts), Decimal("0.00"))
    return {"work_order": rows[0], "parts": parts, "parts_cost": cost, "history": history}


@dataclass
class WorkOrderPage:
    """What the portal's work order page shows, read in a fixed number of statements."""

    work_order: WorkOrderOut
    parts: list[dict]            # the consumptions, as in the API's detail
    parts_cost: Decimal
    history: list[dict]
    checklist: list[ChecklistItem]
    labor: list[LaborEntry]
    labels: Labels


def work_order_page(actor: Actor, work_order_id: str) -> WorkOrderPage:
    """The API's detail (work_order_detail_rows) with the checklist, the labor booked and the
    names of the people, asset and parts it mentions: four statements whatever its size."""
    detail = work_order_detail_rows(actor, work_order_id)
    wo = WorkOrderOut.model_validate(dict(detail["work_order"]))
    checklist = list(db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.work_order_id == wo.id)
        .order_by(ChecklistItem.position, ChecklistItem.id)))
    labor = list(db.session.scalars(
        select(LaborEntry).where(LaborEntry.work_order_id == wo.id)
        .order_by(LaborEntry.performed_at, LaborEntry.id)))
    changes = [h["changes"] for h in detail["history"] if isinstance(h["changes"], dict)]
    people = ({wo.assigned_to, wo.requested_by} | {h["user_id"] for h in detail["history"]}
              | {c["assignedTo"].get("to") for c in changes if isinstance(c.get("assignedTo"), dict)}
              | {e.user_id for e in labor} | {i.done_by for i in checklist})
    found = labels(actor, user_ids=people, equipment_ids={wo.equipment_id},
                   part_ids={p["part_id"] for p in detail["parts"]}, hold_reasons=True)
    return WorkOrderPage(work_order=wo, parts=detail["parts"], parts_cost=detail["parts_cost"],
                         history=detail["history"], checklist=checklist, labor=labor, labels=found)


@dataclass
class PartsSection:
    """The page's "Parts used" alone (the answer to adding or requesting a part): the consumptions
    as work_order_detail_rows() lists them, their cost, and the parts' names."""

    consumed: list[dict]
    parts_cost: Decimal
    part_of: dict[str, PartName]


def parts_section(actor: Actor, work_order_id: str) -> PartsSection:
    """The parts consumed on a work order with their part's number and description, in one
    statement (the whole page's read is four, with the history and the labor the section does not
    show). The caller has read (and 404'd) the work order; the warehouse in the WHERE keeps another
    warehouse's rows out all the same."""
    require(actor, READ)
    pc = PartConsumption.__table__.c
    rows = db.session.execute(
        select(pc.id, pc.part_id, pc.quantity, pc.unit_cost, pc.total_cost, pc.consumed_by, pc.consumed_at,
               Part.part_number, Part.description)
        .outerjoin(Part, and_(Part.id == pc.part_id, Part.warehouse_id == actor.warehouse_id))
        .where(pc.work_order_id == work_order_id, pc.warehouse_id == actor.warehouse_id)
        .order_by(pc.consumed_at, pc.id)).all()
    consumed = [{"id": r.id, "part_id": r.part_id, "quantity": r.quantity, "unit_cost": r.unit_cost,
                 "total_cost": r.total_cost, "consumed_by": r.consumed_by, "consumed_at": r.consumed_at}
                for r in rows]
    names = {r.part_id: PartName(r.part_id, r.part_number, r.description) for r in rows if r.part_number is not None}
    return PartsSection(consumed=consumed, parts_cost=sum((r.total_cost for r in rows), Decimal("0.00")),
                        part_of=names)


def labor_section(actor: Actor, work_order_id: str) -> tuple[list[LaborEntry], dict[str, str]]:
    """The page's "Labor" alone (the answer to booking time): the entries in the page's order and
    the names of who did them, in one statement. The caller has read (and 404'd) the work order."""
    require(actor, READ)
    rows = db.session.execute(
        select(LaborEntry, User.name, User.email)
        .outerjoin(User, and_(User.id == LaborEntry.user_id, User.warehouse_id == actor.warehouse_id))
        .where(LaborEntry.work_order_id == work_order_id, LaborEntry.warehouse_id == actor.warehouse_id)
        .order_by(LaborEntry.performed_at, LaborEntry.id)).all()
    names = {entry.user_id: name or email for entry, name, email in rows if name or email}
    return [entry for entry, _, _ in rows], names


# --- One asset's work orders --------------------------------------------------------------------

def work_orders_of_equipment(actor: Actor, equipment_id: str, *, past: int) -> tuple[list[WorkOrder], list[WorkOrder]]:
    """The asset page's work orders: the open ones (soonest due first) and the last `past` closed
    ones (latest change first)."""
    require(actor, READ)
    of = select(WorkOrder).where(IN_WAREHOUSE, WorkOrder.equipment_id == equipment_id)
    open_ = list(db.session.scalars(
        of.where(WorkOrder.status.in_(OPEN_STATUSES))
        .order_by(WorkOrder.due_date.asc().nulls_last(), WorkOrder.created_at.desc(), WorkOrder.id),
        in_warehouse(actor)))
    closed = list(db.session.scalars(
        of.where(WorkOrder.status.in_(CLOSED_STATUSES)).order_by(WorkOrder.updated_at.desc(), WorkOrder.id)
        .limit(past), in_warehouse(actor)))
    return open_, closed


# --- Counts --------------------------------------------------------------------------------------

def open_counts(actor: Actor, *, assigned_to: str | None = None) -> dict[str, int]:
    """Open work orders of the warehouse by status (every open status, zeros included); only
    those assigned to `assigned_to` when given (My work counts the actor's own)."""
    require(actor, READ)
    stmt = select(WorkOrder.status, func.count()).where(IN_WAREHOUSE, WorkOrder.status.in_(OPEN_STATUSES))
    if assigned_to is not None:
        stmt = stmt.where(WorkOrder.assigned_to == assigned_to)
    counts = dict.fromkeys(OPEN_STATUSES, 0)
    counts.update(db.session.execute(stmt.group_by(WorkOrder.status), in_warehouse(actor)).all())
    return counts


# --- Names of what a screen mentions -------------------------------------------------------------

class Asset(NamedTuple):
    id: str
    asset_tag: str
    location: str | None

    @property
    def text(self) -> str:
        """"tag · location", as every work order screen names an asset."""
        return " · ".join(p for p in (self.asset_tag, self.location) if p)


class PartName(NamedTuple):
    id: str
    part_number: str
    description: str | None


class HoldReasonName(NamedTuple):
    code: str
    label: str
    active: bool
    position: int


@dataclass
class Labels:
    names: dict[str, str] = field(default_factory=dict)               # user id -> name (or e-mail)
    people: list[tuple[str, str]] = field(default_factory=list)       # who work can be assigned to
    equipment: dict[str, Asset] = field(default_factory=dict)
    asset_options: list[tuple[str, str]] = field(default_factory=list)  # (id, "tag · location") by tag
    parts: dict[str, PartName] = field(default_factory=dict)
    # The warehouse's hold reasons in their order, the retired ones too (the history names them).
    hold_reasons: list[HoldReasonName] = field(default_factory=list)

    @property
    def assets(self) -> dict[str, str]:
        return dict(self.asset_options)


def _ids(values: Iterable[str | None]) -> list[str]:
    return sorted({v for v in values if v})


def labels(actor: Actor, *, user_ids: Iterable[str | None] = (), people: bool = False,
           equipment_ids: Iterable[str | None] = (), all_equipment: bool = False,
           part_ids: Iterable[str | None] = (), hold_reasons: bool = False) -> Labels:
    """The names of these users, assets and parts of the actor's warehouse, with (`people`) the
    active users work can be assigned to, (`all_equipment`) every asset and (`hold_reasons`) the
    warehouse's hold reasons, in ONE statement:
    a UNION ALL of (kind, id, a, b, pick) rows, ordered as the screens list them (people by name,
    assets by tag). Ids of another warehouse are simply not named."""
    require(actor, READ)  # what work order screens show, to whoever may read work orders
    users, assets, parts = _ids(user_ids), _ids(equipment_ids), _ids(part_ids)
    branches = []
    if users or people:
        pick = and_(User.active.is_(True), User.role.in_(ASSIGNABLE_ROLES))
        branches.append(
            select(literal_column("'u'").label("kind"), User.id, User.name.label("a"), User.email.label("b"),
                   case((pick, literal_column("1")), else_=literal_column("0")).label("pick") if people
                   else literal_column("0"))
            .where(User.warehouse_id == actor.warehouse_id, or_(User.id.in_(users), pick) if people
                   else User.id.in_(users)))
    if assets or all_equipment:
        stmt = select(literal_column("'e'"), Equipment.id, Equipment.asset_tag, Equipment.location,
                      literal_column("0")).where(Equipment.warehouse_id == actor.warehouse_id)
        branches.append(stmt if all_equipment else stmt.where(Equipment.id.in_(assets)))
    if parts:
        branches.append(select(literal_column("'p'"), Part.id, Part.part_number, Part.description, literal_column("0"))
                        .where(Part.warehouse_id == actor.warehouse_id, Part.id.in_(parts)))
    if hold_reasons:
        # (code, label, "1" when offered, position): sorted by position below.
        branches.append(select(literal_column("'h'"), HoldReason.code, HoldReason.label,
                               case((HoldReason.active.is_(True), literal_column("'1'")), else_=literal_column("'0'")),
                               HoldReason.position).where(HoldReason.warehouse_id == actor.warehouse_id))
    found = Labels()
    if not branches:
        return found
    # By kind, then the 3rd and 4th columns: people by name then e-mail, assets by tag (as the selects list them).
    stmt = (union_all(*branches) if len(branches) > 1 else branches[0]).order_by(
        literal_column("1"), literal_column("3"), literal_column("4"))
    for kind, id_, a, b, picked in db.session.execute(stmt):
        if kind == "u":
            found.names[id_] = a or b
            if picked:
                found.people.append((id_, a or b))
        elif kind == "h":
            found.hold_reasons.append(HoldReasonName(id_, a, b == "1", picked))
        elif kind == "e":
            found.equipment[id_] = asset = Asset(id_, a, b)
            found.asset_options.append((id_, asset.text))
        else:
            found.parts[id_] = PartName(id_, a, b)
    found.hold_reasons.sort(key=lambda r: (r.position, r.label))
    return found


# The people work can be assigned to, kept in this process per warehouse under the warehouse's
# people version (platform/people.py): the board's whole page lists them all (a thousand at a plant),
# and 100 managers load it every 30 s while people change a few times a day.
PEOPLE_KEEP_SECONDS = 60  # and a minute at most, for a change no event saw
_assignable: dict[str, tuple[str, float, list[tuple[str, str]]]] = {}


def assignable_people(actor: Actor) -> list[tuple[str, str]]:
    """(id, name) of the active users work can be assigned to, by name: labels(people=True).people,
    read again only when the warehouse's people changed (or a minute passed). Redis down: read."""
    require(actor, READ)
    wid = actor.warehouse_id
    version = people_version.version(wid)  # before the read: a change meanwhile moves it past this
    kept = _assignable.get(wid)
    now = monotonic()
    if version is not None and kept and kept[0] == version and now - kept[1] < PEOPLE_KEEP_SECONDS:
        return kept[2]
    found = labels(actor, people=True).people
    if version is not None:
        _assignable[wid] = (version, now, found)
    return found
