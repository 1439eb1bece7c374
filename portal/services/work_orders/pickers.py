"""The work order screens' asset picker: a few of the warehouse's assets for what was typed, instead
of a list of every asset (100,000 of them at a large plant: bench/README.md, "scale.py").

The search is the one of `GET /api/equipment?q=` (tag, model, manufacturer, description, location:
one ILIKE answered by the trigram index ix_equipment_search_trgm on PostgreSQL); without a search
the first assets by tag (the (warehouse, tag) unique index). The asset already chosen is always
offered first, so a form shown again keeps it. At most PICK_LIMIT + 2 rows read.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

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
    warehouse is never offered nor named (as if not chosen). One statement, two with a chosen asset
    (read by its key: ordering the matches by "is it the chosen one" would sort every asset)."""
    require(actor, READ)  # the work order screens' picker: whoever may read work orders
    q = (q or "").strip()[:QUERY_MAX]
    chosen = (chosen or "").strip() or None
    base = select(Equipment.id, Equipment.asset_tag, Equipment.location).where(
        Equipment.warehouse_id == actor.warehouse_id)
    found = None
    if chosen:
        row = db.session.execute(base.where(Equipment.id == chosen)).first()
        found = Asset(*row) if row else None
    stmt = base.where(Equipment.id != found.id) if found else base
    order: list = []
    if q:
        stmt = stmt.where(text_filter(q, Equipment.asset_tag, Equipment.model, Equipment.manufacturer,
                                      Equipment.description, Equipment.location))
        tag, needle = func.lower(Equipment.asset_tag), q.lower()
        order.append(case((tag == needle, 0), (tag.like(like_pattern(q).lower()[1:], escape="\\"), 1),
                          (tag.like(like_pattern(q).lower(), escape="\\"), 2), else_=3))
    # One more than offered: whether to say "type to narrow". Without a search, the (warehouse, tag)
    # unique index gives the first ones in order without reading the others.
    others = [Asset(*row) for row in db.session.execute(
        stmt.order_by(*order, Equipment.asset_tag, Equipment.id).limit(limit + 1))]
    return AssetChoices(options=([found] if found else []) + others[:limit], chosen=found,
                        more=len(others) > limit, q=q)
