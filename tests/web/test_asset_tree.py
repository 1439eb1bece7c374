"""The asset hierarchy in the portal: the tree view (one level at a time, a node opened in place, "Show
more"), breadcrumbs and sub-assets on the asset page, the form's parent picker, and tenancy."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import DomainEvent, Equipment
from portal.platform.extensions import db
from portal.services.assets import tree
from tests import factories
from web.conftest import csrf_from

HX = {"HX-Request": "true"}


@pytest.fixture
def plant(users) -> dict[str, Equipment]:
    m = users.actor("north", "manager")
    site = factories.equipment(m, assetTag="SITE", description="Lyon plant")
    area = factories.equipment(m, assetTag="AREA-PACK", description="Packing hall", parentId=site.id)
    line = factories.equipment(m, assetTag="LINE-1", description="Bottling line 1", parentId=area.id)
    pump = factories.equipment(m, assetTag="PUMP-1", description="Filler pump", parentId=line.id, status="down")
    loose = factories.equipment(m, assetTag="LOOSE", description="Spare compressor")
    return {e.asset_tag: e for e in (site, area, line, pump, loose)}


def _tags(html: str) -> list[str]:
    return re.findall(r'<span class="tagno">([^<]+)</span>', html)


def test_tree_view_shows_the_top_level_with_disclosure_buttons(client, users, portal_login, plant):
    portal_login(users["north"]["technician"])
    html = client.get("/assets?view=tree").get_data(as_text=True)
    assert "<html" in html and _tags(html) == ["LOOSE", "SITE"]  # only the top level
    site = plant["SITE"]
    button = re.search(rf'<button[^>]*id="tw-{site.id}"[^>]*>', html).group(0)
    assert 'aria-expanded="false"' in button and f'hx-get="/assets/{site.id}/tree-node?open=1"' in button
    assert f'name="open" value="{site.id}"' in button  # without JavaScript: the form opens it
    assert 'aria-current="page">Tree</a>' in html
    assert f'id="tw-{plant["LOOSE"].id}"' not in html  # no sub-assets: no button


def test_a_node_opens_and_closes_in_place(client, users, portal_login, plant):
    portal_login(users["north"]["technician"])
    site, area = plant["SITE"], plant["AREA-PACK"]
    r = client.get(f"/assets/{site.id}/tree-node?open=1", headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in html and html.lstrip().startswith(f'<li class="tree-node" id="tn-{site.id}"')
    assert _tags(html) == ["SITE", "AREA-PACK"]  # itself and one level down, not the line below
    assert f'aria-expanded="true" aria-controls="tk-{site.id}"' in html
    assert f'hx-get="/assets/{site.id}/tree-node?open=0"' in html
    assert f'id="tw-{area.id}"' in html and 'aria-expanded="false"' in html
    closed = client.get(f"/assets/{site.id}/tree-node?open=0", headers=HX).get_data(as_text=True)
    assert _tags(closed) == ["SITE"] and 'aria-expanded="false"' in closed
    # Opened directly (a pasted link): the tree page with the node open.
    r = client.get(f"/assets/{site.id}/tree-node?open=1")
    assert r.status_code == 303 and r.headers["Location"] == f"/assets?view=tree&open={site.id}"


def test_open_shows_the_path_down_to_an_asset(client, users, portal_login, plant):
    portal_login(users["north"]["technician"])
    html = client.get(f"/assets?view=tree&open={plant['PUMP-1'].id}").get_data(as_text=True)
    assert _tags(html) == ["LOOSE", "SITE", "AREA-PACK", "LINE-1", "PUMP-1"]
    assert html.count('aria-expanded="true"') == 3  # site, area, line


def test_show_more_brings_the_next_page_of_a_level(client, users, portal_login, monkeypatch):
    monkeypatch.setattr(tree, "TREE_PAGE", 2)
    m = users.actor("north", "manager")
    for tag in ("A", "B", "C", "D", "E"):
        factories.equipment(m, assetTag=tag)
    portal_login(users["north"]["technician"])
    html = client.get("/assets?view=tree").get_data(as_text=True)
    assert _tags(html) == ["A", "B"] and 'href="/assets?view=tree&amp;after=B"' in html
    more = client.get("/assets?view=tree&after=B", headers=HX).get_data(as_text=True)
    assert "<html" not in more and _tags(more) == ["C", "D"] and "after=D" in more
    last = client.get("/assets?view=tree&after=D", headers=HX).get_data(as_text=True)
    assert _tags(last) == ["E"] and "Show more" not in last
    # Under a parent, the link keeps the parent.
    m2 = users.actor("north", "manager")
    top = factories.equipment(m2, assetTag="TOP")
    for tag in ("K1", "K2", "K3"):
        factories.equipment(m2, assetTag=tag, parentId=top.id)
    html = client.get(f"/assets?view=tree&parent={top.id}").get_data(as_text=True)
    assert _tags(html) == ["K1", "K2"] and f'href="/assets?view=tree&amp;parent={top.id}&amp;after=K2"' in html


def test_a_level_under_a_parent_with_breadcrumbs(client, users, portal_login, plant):
    portal_login(users["north"]["technician"])
    html = client.get(f"/assets?view=tree&parent={plant['AREA-PACK'].id}").get_data(as_text=True)
    crumbs = re.search(r'<nav class="crumbs tree-crumbs".*?</nav>', html, re.S).group(0)
    assert re.findall(r">([^<>]+)</a>", crumbs) == ["Top level", "SITE", "AREA-PACK"]
    assert "LINE-1" in _tags(html) and "LOOSE" not in _tags(html)


def test_asset_page_has_breadcrumbs_and_its_sub_assets(client, users, portal_login, plant):
    portal_login(users["north"]["technician"])
    html = client.get(f"/assets/{plant['LINE-1'].id}").get_data(as_text=True)
    crumbs = re.search(r'<nav class="crumbs" aria-label="Breadcrumb" id="asset-crumbs">.*?</nav>', html, re.S).group(0)
    assert re.findall(r">([^<>]+)</a>", crumbs) == ["Assets", "SITE", "AREA-PACK"]
    assert f'href="/assets/{plant["SITE"].id}"' in crumbs
    parts = re.search(r'<section class="card asset-parts".*?</section>', html, re.S).group(0)
    assert _tags(parts) == ["PUMP-1"] and "Down" in parts
    # A technician cannot register assets; a leaf without sub-assets shows no empty section to them.
    assert "Register a sub-asset" not in parts
    assert "asset-parts" not in client.get(f"/assets/{plant['PUMP-1'].id}").get_data(as_text=True)


def test_another_warehouses_asset_is_a_404_in_the_tree(client, users, portal_login, plant):
    portal_login(users["south"]["manager"])
    site = plant["SITE"]
    assert client.get(f"/assets/{site.id}/tree-node?open=1", headers=HX).status_code == 404
    assert client.get(f"/assets?view=tree&parent={site.id}").status_code == 404
    html = client.get(f"/assets?view=tree&open={site.id}").get_data(as_text=True)
    assert _tags(html) == []  # nothing of north's, and no error for an id that is not theirs
    options = client.get("/assets/parent-options?parentQ=SITE", headers=HX).get_data(as_text=True)
    assert "SITE" not in _tags(options) and plant["SITE"].id not in options


def test_parent_picker_searches_and_never_offers_the_asset_or_one_below(client, users, portal_login, plant):
    portal_login(users["north"]["manager"])
    area = plant["AREA-PACK"]
    html = client.get(f"/assets/parent-options?asset={area.id}&parentQ=", headers=HX).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="parent-options"')
    offered = re.findall(r'name="parentId" value="([^"]*)"', html)
    assert offered[0] == "" and set(offered[1:]) == {plant["SITE"].id, plant["LOOSE"].id}
    html = client.get(f"/assets/parent-options?asset={area.id}&parentQ=plant&parentId={plant['LOOSE'].id}",
                      headers=HX).get_data(as_text=True)
    # The picked one stays first and picked; the search's match follows.
    assert re.findall(r'value="([^"]+)"( checked)?', html) == [(plant["LOOSE"].id, " checked"), (plant["SITE"].id, "")]
    assert "No asset matches" in client.get("/assets/parent-options?parentQ=zzz", headers=HX).get_data(as_text=True)


def _form(client, url: str) -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def test_the_form_sets_moves_and_clears_the_parent(client, users, portal_login, plant):
    portal_login(users["north"]["manager"])
    line = plant["LINE-1"]
    page = client.get(f"/assets/new?parentId={line.id}").get_data(as_text=True)
    assert re.search(rf'value="{line.id}" checked', page)  # "Register a sub-asset of LINE-1"
    token = _form(client, "/assets/new")
    r = client.post("/assets/new", data={"csrf_token": token, "assetTag": "MOTOR-1", "criticality": "medium",
                                         "status": "active", "parentId": line.id})
    assert r.status_code == 303
    motor = db.session.scalar(select(Equipment).where(Equipment.asset_tag == "MOTOR-1"))
    assert motor.parent_id == line.id
    edit = client.get(f"/assets/{motor.id}/edit").get_data(as_text=True)
    assert re.search(rf'value="{line.id}" checked', edit) and 'value="" checked' not in edit
    base = {"csrf_token": token, "assetTag": "MOTOR-1", "criticality": "medium", "status": "active"}
    # A cycle: refused in words on the form, nothing changed.
    r = client.post(f"/assets/{plant['SITE'].id}/edit", data={**base, "assetTag": "SITE", "parentId": line.id})
    assert r.status_code == 422 and "An asset cannot be part of LINE-1, which is part of it" in r.get_data(as_text=True)
    assert client.post(f"/assets/{motor.id}/edit", data={**base, "parentId": ""}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Equipment, motor.id).parent_id is None and db.session.get(Equipment, plant["SITE"].id).parent_id is None
    [changed] = [e.payload["changes"] for e in db.session.scalars(select(DomainEvent).where(
        DomainEvent.event == "equipment.updated", DomainEvent.entity_id == motor.id))]
    assert changed == {"parentId": {"from": line.id, "to": None}}
