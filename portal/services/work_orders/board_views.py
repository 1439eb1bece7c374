"""The board's per-user settings: the table's columns each manager picked, and their saved views
(a name for a view kind, its filters and sort, and its columns). A user reads and changes only
their own; the values are checked against the board's lists, so a view never carries junk."""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select

from portal.models import BoardSettings, BoardView
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.common.errors import NotFound, field_error
from portal.services.identity.permissions import require

# The table's columns, in the order the table shows them: key -> header.
COLUMNS = {
    "foNumber": "Number", "title": "Title", "status": "Status", "priority": "Priority", "type": "Type",
    "asset": "Asset", "assignedTo": "Assignee", "dueDate": "Due", "createdAt": "Created", "updatedAt": "Updated",
}
DEFAULT_COLUMNS = ("foNumber", "title", "status", "priority", "asset", "assignedTo", "dueDate")
ALWAYS = ("foNumber",)  # the link that opens the work order stays whatever is picked
KINDS = ("table", "kanban", "calendar")
# What a saved view keeps of the board's URL: its filters, the sort and the calendar's span.
VIEW_KEYS = ("status", "priority", "type", "assignedTo", "equipmentId", "overdue", "q", "sort", "span")
MAX_VIEWS = 30


def clean_columns(columns: list[str] | tuple[str, ...]) -> list[str]:
    """The known columns among `columns`, in the table's order; the number column always."""
    wanted = set(columns) | set(ALWAYS)
    return [key for key in COLUMNS if key in wanted]


def columns_of(actor: Actor) -> list[str]:
    """The columns the user picked, else the default ones."""
    require(actor, "work_orders.read")
    picked = db.session.scalar(select(BoardSettings.columns).where(BoardSettings.user_id == actor.id))
    return clean_columns(picked) if picked else list(DEFAULT_COLUMNS)


def set_columns(actor: Actor, columns: list[str]) -> list[str]:
    require(actor, "work_orders.read")
    chosen = clean_columns(columns)
    with unit_of_work() as s:
        row = s.get(BoardSettings, actor.id)
        if row is None:
            s.add(BoardSettings(user_id=actor.id, columns=chosen, updated_at=utcnow()))
        else:
            row.columns, row.updated_at = chosen, utcnow()
    return chosen


def views_of(actor: Actor) -> list[BoardView]:
    require(actor, "work_orders.read")
    return list(db.session.scalars(select(BoardView).where(BoardView.user_id == actor.id).order_by(BoardView.name)))


def save_view(actor: Actor, name: str, kind: str, filters: Mapping[str, str], columns: list[str]) -> BoardView:
    """Save the board as it is shown under a name; the same name again replaces that view."""
    require(actor, "work_orders.read")
    name = " ".join(name.split())[:80]
    if not name:
        raise field_error("name", "Give the view a name")
    if kind not in KINDS:
        raise field_error("kind", "Pick table, kanban or calendar")
    kept = {k: str(v)[:200] for k, v in filters.items() if k in VIEW_KEYS and str(v).strip()}
    with unit_of_work() as s:
        view = s.scalars(select(BoardView).where(BoardView.user_id == actor.id, BoardView.name == name)
                         .with_for_update()).first()
        if view is None:
            count = len(s.scalars(select(BoardView.id).where(BoardView.user_id == actor.id)).all())
            if count >= MAX_VIEWS:
                raise field_error("name", f"At most {MAX_VIEWS} saved views: delete one first")
            view = BoardView(user_id=actor.id, name=name)
            s.add(view)
        view.kind, view.filters, view.columns, view.created_at = kind, kept, clean_columns(columns), utcnow()
    return view


def delete_view(actor: Actor, view_id: str) -> None:
    require(actor, "work_orders.read")
    with unit_of_work() as s:
        gone = s.execute(delete(BoardView).where(BoardView.id == view_id, BoardView.user_id == actor.id)).rowcount
        if not gone:
            raise NotFound("Saved view not found")
