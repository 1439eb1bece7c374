"""The asset hierarchy: site → area → line → machine → component, as `Equipment.parent_id`.

Reads only, for now, so other services (KPIs rolled up over a subtree, the tree, breadcrumbs)
share one definition of "the subtree of X": a recursive query, the same on SQLite and
PostgreSQL, answered by the (warehouse_id, parent_id) index one level at a time.
"""
from __future__ import annotations

from sqlalchemy import Select, literal, select

from portal.models import Equipment
from portal.platform.extensions import db

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
