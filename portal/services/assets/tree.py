"""What the portal shows of the asset hierarchy: one level of the tree at a time (a warehouse may
hold 100,000 assets: never all of them), an asset's breadcrumbs, and the parents an asset may take
(the asset form's search-as-you-type picker).

A level is a page of TREE_PAGE children in asset-tag order, each with how many children it has
itself (one grouped count over the index (warehouse_id, parent_id)): two queries per
level shown. Pages are keyset pages ("after" the last tag shown: tags are unique in a warehouse),
read from the index in order, so the 1,000th page of a level costs what the first does.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import func, select

from portal.models import Equipment
from portal.platform.extensions import db
from portal.services.assets.hierarchy import ancestors, subtree_ids
from portal.services.common.actor import Actor
from portal.services.common.querying import text_filter
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require

TREE_PAGE = 50
PICKER_SHOWN = 20


@dataclass
class Node:
    asset: Equipment
    children: int  # how many assets are directly part of it
    level: Level | None = None  # its children, when shown open


@dataclass
class Level:
    parent: Equipment | None  # None: the top-level assets
    nodes: list[Node] = field(default_factory=list)
    after: str | None = None  # the page starts after this asset tag (None: the first page)
    more: bool = False  # a next page exists

    @property
    def last_tag(self) -> str | None:
        return self.nodes[-1].asset.asset_tag if self.nodes else None


def tree_level(actor: Actor, parent_id: str | None = None, after: str | None = None, *,
               open_ids: Collection[str] = ()) -> Level:
    """A page of the children of `parent_id` (None: the top-level assets) whose tags come after
    `after`, with the nodes whose id is in `open_ids` shown open (their first page, and so on down).
    Another warehouse's parent: 404."""
    require(actor, "equipment.read")
    parent = get_in_warehouse(Equipment, parent_id, actor, what="Equipment") if parent_id else None
    return _level(actor, parent, after or None, set(open_ids))


def _level(actor: Actor, parent: Equipment | None, after: str | None, open_ids: set[str]) -> Level:
    stmt = select(Equipment).where(Equipment.warehouse_id == actor.warehouse_id,
                                   Equipment.parent_id == parent.id if parent else Equipment.parent_id.is_(None))
    if after is not None:
        stmt = stmt.where(Equipment.asset_tag > after)
    rows = list(db.session.scalars(stmt.order_by(Equipment.asset_tag).limit(TREE_PAGE + 1)))
    level = Level(parent=parent, after=after, more=len(rows) > TREE_PAGE)
    rows = rows[:TREE_PAGE]
    counts = dict(db.session.execute(
        select(Equipment.parent_id, func.count()).where(
            Equipment.warehouse_id == actor.warehouse_id, Equipment.parent_id.in_([r.id for r in rows]))
        .group_by(Equipment.parent_id)).all()) if rows else {}
    for eq in rows:
        node = Node(asset=eq, children=counts.get(eq.id, 0))
        if eq.id in open_ids and node.children:
            node.level = _level(actor, eq, None, open_ids - {eq.id})
        level.nodes.append(node)
    return level


def tree_node(actor: Actor, equipment_id: str, *, open_: bool) -> Node:
    """One asset as a node of the tree, open (with its first page of children) or closed."""
    require(actor, "equipment.read")
    eq = get_in_warehouse(Equipment, equipment_id, actor, what="Equipment")
    count = db.session.scalar(select(func.count()).where(
        Equipment.warehouse_id == actor.warehouse_id, Equipment.parent_id == eq.id)) or 0
    node = Node(asset=eq, children=count)
    if open_ and count:
        node.level = _level(actor, eq, None, set())
    return node


def breadcrumbs(actor: Actor, eq: Equipment) -> list[Equipment]:
    """The assets above `eq`, from the top down: site › area › line › machine."""
    require(actor, "equipment.read")
    return ancestors(actor.warehouse_id, eq.id)


def open_path(actor: Actor, equipment_id: str | None) -> list[str]:
    """The ids to show open so that `equipment_id` is visible in the tree: its ancestors and itself
    (an unknown id or another warehouse's: nothing)."""
    require(actor, "equipment.read")
    if not equipment_id or "\x00" in equipment_id:
        return []
    eq = db.session.scalars(select(Equipment).where(
        Equipment.id == equipment_id, Equipment.warehouse_id == actor.warehouse_id)).first()
    if eq is None:
        return []
    return [a.id for a in ancestors(actor.warehouse_id, eq.id)] + [eq.id]


def parent_choices(actor: Actor, q: str | None, equipment_id: str | None = None) -> list[Equipment]:
    """The assets matching `q` (tag, model, maker, description, location) that `equipment_id` may be
    part of: never itself nor one below it. At most PICKER_SHOWN, in tag order."""
    require(actor, "equipment.read")
    stmt = select(Equipment).where(Equipment.warehouse_id == actor.warehouse_id)
    if q:
        stmt = stmt.where(text_filter(q, Equipment.asset_tag, Equipment.model, Equipment.manufacturer,
                                      Equipment.description, Equipment.location))
    if equipment_id:
        stmt = stmt.where(Equipment.id.not_in(subtree_ids(actor.warehouse_id, equipment_id)))
    return list(db.session.scalars(stmt.order_by(Equipment.asset_tag, Equipment.id).limit(PICKER_SHOWN)))


def find_asset(actor: Actor, equipment_id: str | None) -> Equipment | None:
    """An asset of the actor's warehouse by id, or None (the picker's current choice, which may be gone)."""
    require(actor, "equipment.read")
    if not equipment_id or "\x00" in equipment_id:
        return None
    return db.session.scalars(select(Equipment).where(
        Equipment.id == equipment_id, Equipment.warehouse_id == actor.warehouse_id)).first()
