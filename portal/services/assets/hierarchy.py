"""The asset hierarchy: site → area → line → machine → component, as `Equipment.parent_id`.

The reads are shared so other services (KPIs rolled up over a subtree, the tree, breadcrumbs)
share one definition of "the subtree of X": a recursive query, the same on SQLite and
PostgreSQL, answered by the (warehouse_id, parent_id) index one level at a time.
"""
from __future__ import annotations

from sqlalchemy import Select, func, literal, select

from portal.models import Equipment, Warehouse
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.common.errors import field_error

# Deeper than any real plant (ISO 14224 has nine taxonomy levels): a guard against a cycle that
# slipped in by hand, so a recursive query always ends.
MAX_DEPTH = 12


def subtree_ids(warehouse_id: str, equipment_id: str, *, include_children: bool = True) -> Select:
    """A SELECT of the ids of `equipment_id` and, with `include_children`, every asset below it,
    all of `warehouse_id` (an id of another warehouse gives no rows). Use it as a subquery:
    `Model.equipment_id.in_(subtree_ids(...))`."""
    root = (select(Equipment.id.label("id"), literal(0).label("depth"))
            .where(Equipment.warehouse_id == warehouse_id, Equipment.id == equipment_id))
    if not include_children:
        return select(root.subquery().c.id)
    tree = root.cte("asset_subtree", recursive=True)
    child = (select(Equipment.id, (tree.c.depth + 1))
             .join(tree, Equipment.parent_id == tree.c.id)
             .where(Equipment.warehouse_id == warehouse_id, tree.c.depth < MAX_DEPTH))
    tree = tree.union_all(child)
    return select(tree.c.id)


def ancestors(warehouse_id: str, equipment_id: str) -> list[Equipment]:
    """The assets above `equipment_id`, from the top (the site) down to its parent: breadcrumbs."""
    chain: list[Equipment] = []
    seen = {equipment_id}
    current = db.session.get(Equipment, equipment_id)
    while current is not None and current.parent_id and len(chain) < MAX_DEPTH:
        parent = db.session.get(Equipment, current.parent_id)
        if parent is None or parent.warehouse_id != warehouse_id or parent.id in seen:
            break
        seen.add(parent.id)
        chain.append(parent)
        current = parent
    chain.reverse()
    return chain


# ---------------------------------------------------------------------------------------------
# Writes: the rules of a parent (create and update of equipment call check_parent).

def _depth_below(warehouse_id: str, equipment_id: str) -> int:
    """How many levels hang below `equipment_id` (0 for a leaf), bounded by MAX_DEPTH."""
    root = (select(Equipment.id.label("id"), literal(0).label("depth"))
            .where(Equipment.warehouse_id == warehouse_id, Equipment.id == equipment_id))
    tree = root.cte("asset_height", recursive=True)
    child = (select(Equipment.id, (tree.c.depth + 1))
             .join(tree, Equipment.parent_id == tree.c.id)
             .where(Equipment.warehouse_id == warehouse_id, tree.c.depth < MAX_DEPTH))
    tree = tree.union_all(child)
    return db.session.scalar(select(func.coalesce(func.max(tree.c.depth), 0))) or 0


def serialise_moves(actor: Actor) -> None:
    """Take the warehouse's row lock that parent changes queue on (until the transaction ends). An
    update takes it before it locks the asset itself: the new parent's foreign-key check waits on a
    row another move may have locked, and that move must never be waiting on this lock meanwhile."""
    db.session.scalar(select(Warehouse.id).where(Warehouse.id == actor.warehouse_id).with_for_update())


def check_parent(actor: Actor, parent_id: str | None, equipment_id: str | None = None) -> Equipment | None:
    """The parent `equipment_id` (None: an asset being registered) may take, or a 400 on `parentId`:
    an asset of the actor's warehouse (another warehouse's id is as unknown, the same 400 as an
    unknown equipmentId on a work order), never the asset itself or one of its descendants, and the
    whole chain at most MAX_DEPTH levels. Parent changes of a warehouse are serialised on the
    warehouse row, so two concurrent moves cannot close a cycle between them."""
    if parent_id is None:
        return None
    serialise_moves(actor)
    parent = None
    if "\x00" not in parent_id:
        parent = db.session.scalars(select(Equipment).where(
            Equipment.id == parent_id, Equipment.warehouse_id == actor.warehouse_id)).first()
    if parent is None:
        raise field_error("parentId", "Equipment not found")
    above = ancestors(actor.warehouse_id, parent.id)
    if equipment_id is not None and (parent.id == equipment_id or equipment_id in {a.id for a in above}):
        what = "itself" if parent.id == equipment_id else f"{parent.asset_tag}, which is part of it"
        raise field_error("parentId", f"An asset cannot be part of {what}")
    below = _depth_below(actor.warehouse_id, equipment_id) if equipment_id is not None else 0
    levels = len(above) + 2 + below  # the parent's ancestors, the parent, the asset and its subtree
    if levels > MAX_DEPTH:
        raise field_error("parentId", f"Too deep: a hierarchy has at most {MAX_DEPTH} levels "
                                      f"(under {parent.asset_tag} it would have {levels})")
    return parent
