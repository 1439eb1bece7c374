"""The work order screens' asset picker: a few of the warehouse's assets for what was typed, instead
of a list of every asset (100,000 of them at a large plant: bench/README.md, "scale.py").

The search is the one of `GET /api/equipment?q=` (tag, model, manufacturer, description, location:
one ILIKE answered by the trigram index ix_equipment_search_trgm on PostgreSQL); without a search
the first assets by tag (the (warehouse, tag) unique index). The asset already chosen is always
offered first, so a form shown again keeps it. One statement, at most PICK_LIMIT + 1 rows.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select

from portal.models import Equipment
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.common.querying import like_pattern, text_filter
from portal.services.identity.permissions import require
from portal.services.work_orders.reads import READ, Asset

PICK_LIMIT = 20
QUERY_MAX = 200  # characters of the search kept (a search box, not a document)


@dataclass
class AssetChoices:
    """What the picker's <select> offers: the chosen asset (if it is one of this warehouse's) first,
    then the matches; `more` when further assets match than are offered (type more to narrow)."""

    options: list[Asset]
    chosen: Asset | None
    more: bool
    q: str

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """(id, "tag · location") of each option, for the select."""
        return [(a.id, a.text) for a in self.options]


def asset_choices(actor: Actor, q: str | None = None, chosen: str | None = None,
                  limit: int = PICK_LIMIT) -> AssetChoices:
    """The picker's assets for the text `q` (best match first: tag equal to it, starting with it,
    containing it, then a match elsewhere; then by tag) and the chosen asset's id. An id of another
    warehouse is never offered nor named (as if not chosen)."""
    require(actor, READ)  # the work order screens' picker: whoever may read work orders
    q = (q or "").strip()[:QUERY_MAX]
    chosen = (chosen or "").strip() or None
    stmt = select(Equipment.id, Equipment.asset_tag, Equipment.location).where(
        Equipment.warehouse_id == actor.warehouse_id)
    order: list = []
    if chosen:
        order.append(case((Equipment.id == chosen, 0), else_=1))
    if q:
        matches = text_filter(q, Equipment.asset_tag, Equipment.model, Equipment.manufacturer,
                              Equipment.description, Equipment.location)
        stmt = stmt.where(or_(matches, Equipment.id == chosen) if chosen else matches)
        tag, needle = func.lower(Equipment.asset_tag), q.lower()
        order.append(case((tag == needle, 0), (tag.like(like_pattern(q).lower()[1:], escape="\\"), 1),
                          (tag.like(like_pattern(q).lower(), escape="\\"), 2), else_=3))
    # One more than offered: whether to say "type to narrow".
    rows = [Asset(*row) for row in db.session.execute(
        stmt.order_by(*order, Equipment.asset_tag, Equipment.id).limit(limit + 1 + (1 if chosen else 0)))]
    found = rows[0] if chosen and rows and rows[0].id == chosen else None
    others = [a for a in rows if found is None or a.id != found.id]
    return AssetChoices(options=([found] if found else []) + others[:limit], chosen=found,
                        more=len(others) > limit, q=q)
