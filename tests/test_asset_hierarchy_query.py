"""The subtree of an asset (rolled-up KPIs) and its ancestors (breadcrumbs), on both engines."""
from __future__ import annotations

from portal.models import Equipment
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.services.assets.hierarchy import ancestors, subtree_ids


def _plant(users) -> dict[str, Equipment]:
    north = users["north"]["manager"].warehouse_id
    south = users["south"]["manager"].warehouse_id
    with unit_of_work() as s:
        site = Equipment(warehouse_id=north, asset_tag="SITE")
        s.add(site)
        s.flush()
        area = Equipment(warehouse_id=north, asset_tag="AREA-1", parent_id=site.id)
        other_area = Equipment(warehouse_id=north, asset_tag="AREA-2", parent_id=site.id)
        s.add_all([area, other_area])
        s.flush()
        line = Equipment(warehouse_id=north, asset_tag="LINE-1", parent_id=area.id)
        s.add(line)
        s.flush()
        pump = Equipment(warehouse_id=north, asset_tag="PUMP-1", parent_id=line.id)
        foreign = Equipment(warehouse_id=south, asset_tag="PUMP-S")
        s.add_all([pump, foreign])
    return {e.asset_tag: e for e in (site, area, other_area, line, pump, foreign)}


def _tags(ids) -> set[str]:
    return {db.session.get(Equipment, i).asset_tag for i in ids}


def test_subtree_takes_every_level_below_and_nothing_beside(app, users):
    assets = _plant(users)
    north = assets["SITE"].warehouse_id
    ids = db.session.scalars(subtree_ids(north, assets["AREA-1"].id)).all()
    assert _tags(ids) == {"AREA-1", "LINE-1", "PUMP-1"}
    whole = db.session.scalars(subtree_ids(north, assets["SITE"].id)).all()
    assert _tags(whole) == {"SITE", "AREA-1", "AREA-2", "LINE-1", "PUMP-1"}
    alone = db.session.scalars(subtree_ids(north, assets["AREA-1"].id, include_children=False)).all()
    assert _tags(alone) == {"AREA-1"}


def test_subtree_of_another_warehouse_is_empty(app, users):
    assets = _plant(users)
    north = assets["SITE"].warehouse_id
    assert db.session.scalars(subtree_ids(north, assets["PUMP-S"].id)).all() == []


def test_ancestors_from_the_top_down(app, users):
    assets = _plant(users)
    north = assets["SITE"].warehouse_id
    assert [e.asset_tag for e in ancestors(north, assets["PUMP-1"].id)] == ["SITE", "AREA-1", "LINE-1"]
    assert ancestors(north, assets["SITE"].id) == []
