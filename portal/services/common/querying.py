"""Small helpers for list endpoints: paging and text search, the same for every resource."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.sql import Select

from portal.platform.extensions import db


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    limit: int

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.limit))


def paginate(stmt: Select, page: int, limit: int) -> Page:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.session.scalars(stmt.limit(limit).offset((page - 1) * limit)))
    return Page(items=items, total=total, page=page, limit=limit)


def first_page(stmt: Select, limit: int) -> Page:
    """The first `limit` rows of an ORM statement and how many there are in all, in one statement
    (a window count, computed before the LIMIT): for partials that show the start of a list."""
    rows = db.session.execute(stmt.add_columns(func.count().over().label("_total")).limit(limit)).unique().all()
    return Page(items=[row[0] for row in rows], total=rows[0][-1] if rows else 0, page=1, limit=limit)


def like_pattern(q: str) -> str:
    """The ILIKE pattern (escape character backslash) matching q anywhere; % and _ match themselves."""
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def text_filter(q: str, *columns) -> Any:
    """Case-insensitive substring match over several columns; % and _ in q match themselves."""
    pattern = like_pattern(q)
    return or_(*(col.ilike(pattern, escape="\\") for col in columns))
