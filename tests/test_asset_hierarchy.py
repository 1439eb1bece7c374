"""The asset hierarchy's rules and API: parentId on equipment (set, change, clear), no cycles, the same
warehouse, a bounded depth, the children and top-level filters, the event, the CSV's parentTag."""
from __future__ import annotations

import pytest

from portal.models import DomainEvent, Equipment
from portal.platform.extensions import db
from portal.schemas.equipment import EquipmentCreate, EquipmentUpdate
from portal.services.assets import equipment as service
from portal.services.assets.hierarchy import MAX_DEPTH
from portal.services.common.actor import Actor
from portal.services.common.errors import ValidationFailed


def _post(client, h, tag: str, parent: str | None = None) -> dict:
    body = {"assetTag": tag} if parent is None else {"assetTag": tag, "parentId": parent}
    r = client.post("/api/equipment", json=body, headers=h)
    assert r.status_code == 201, r.json
    return r.json


def _chain(client, h, *tags: str) -> list[dict]:
    """SITE → AREA → LINE... each the parent of the next."""
    made: list[dict] = []
    for tag in tags:
        made.append(_post(client, h, tag, made[-1]["id"] if made else None))
    return made


def _refused(r, message_part: str) -> None:
    assert r.status_code == 400, r.json
    assert r.json["message"] == "Validation failed"
    [error] = r.json["errors"]
    assert error["field"] == "parentId" and message_part in error["message"], error


def test_parent_on_create_is_in_the_payload_and_the_event(client, auth, users):
    h = auth("north", "manager")
    site, line = _chain(client, h, "SITE", "LINE-1")
    assert site["parentId"] is None and line["parentId"] == site["id"]
    assert client.get(f"/api/equipment/{line['id']}", headers=h).json["parentId"] == site["id"]
    created = db.session.query(DomainEvent).filter_by(event="equipment.created", entity_id=line["id"]).one()
    assert created.payload["equipment"]["parentId"] == site["id"]


def test_patch_moves_and_null_clears_with_the_change_in_the_event(client, auth, users):
    h = auth("north", "manager")
    site, area, pump = _chain(client, h, "SITE", "AREA", "PUMP")
    r = client.patch(f"/api/equipment/{pump['id']}", json={"parentId": site["id"]}, headers=h)
    assert r.status_code == 200 and r.json["parentId"] == site["id"]
    r = client.patch(f"/api/equipment/{pump['id']}", json={"parentId": None}, headers=h)
    assert r.status_code == 200 and r.json["parentId"] is None
    changes = [e.payload["changes"] for e in db.session.query(DomainEvent).filter_by(
        event="equipment.updated", entity_id=pump["id"]).order_by(DomainEvent.created_at)]
    assert changes == [{"parentId": {"from": area["id"], "to": site["id"]}},
                       {"parentId": {"from": site["id"], "to": None}}]
    # The same parent again changes nothing: no event.
    client.patch(f"/api/equipment/{area['id']}", json={"parentId": site["id"]}, headers=h)
    assert db.session.query(DomainEvent).filter_by(event="equipment.updated", entity_id=area["id"]).count() == 0


def test_cycles_are_refused_on_parent_id(client, auth, users):
    h = auth("north", "manager")
    site, area, line = _chain(client, h, "SITE", "AREA", "LINE")
    _refused(client.patch(f"/api/equipment/{site['id']}", json={"parentId": site["id"]}, headers=h), "itself")
    _refused(client.patch(f"/api/equipment/{site['id']}", json={"parentId": line["id"]}, headers=h),
             "LINE, which is part of it")
    _refused(client.patch(f"/api/equipment/{area['id']}", json={"parentId": line["id"]}, headers=h), "LINE")
    assert db.session.get(Equipment, site["id"]).parent_id is None


@pytest.mark.parametrize("parent", ["foreign", "unknown"])
def test_a_parent_of_another_warehouse_is_as_unknown(client, auth, users, parent):
    south = _post(client, auth("south", "manager"), "SOUTH-SITE")
    h = auth("north", "manager")
    parent_id = {"foreign": south["id"], "unknown": "no-such-id"}[parent]
    mine = _post(client, h, "MINE")
    for r in (client.post("/api/equipment", json={"assetTag": "NEW", "parentId": parent_id}, headers=h),
              client.patch(f"/api/equipment/{mine['id']}", json={"parentId": parent_id}, headers=h)):
        _refused(r, "Equipment not found")
    assert db.session.query(Equipment).filter_by(asset_tag="NEW").count() == 0
    assert client.get(f"/api/equipment/{mine['id']}", headers=h).json["parentId"] is None


def test_depth_is_bounded(app, users):
    actor = Actor.of(users["north"]["manager"])
    chain = []
    for n in range(MAX_DEPTH):
        chain.append(service.create_equipment(actor, EquipmentCreate(
            assetTag=f"L{n}", parentId=chain[-1].id if chain else None)))
    with pytest.raises(ValidationFailed) as refused:
        service.create_equipment(actor, EquipmentCreate(assetTag="TOO-DEEP", parentId=chain[-1].id))
    assert refused.value.errors[0]["field"] == "parentId" and "at most 12 levels" in refused.value.errors[0]["message"]
    # Moving a subtree counts its own levels too: a two-level branch under L10 makes 13.
    top = service.create_equipment(actor, EquipmentCreate(assetTag="B0"))
    service.create_equipment(actor, EquipmentCreate(assetTag="B1", parentId=top.id))
    with pytest.raises(ValidationFailed):
        service.update_equipment(actor, top.id, EquipmentUpdate(parentId=chain[-2].id))
    service.update_equipment(actor, top.id, EquipmentUpdate(parentId=chain[-3].id))  # 10 + 2 = 12 levels
    assert db.session.get(Equipment, top.id).parent_id == chain[-3].id


def test_children_and_top_level_filters(client, auth, users):
    h = auth("north", "manager")
    site, area = _chain(client, h, "SITE", "AREA")
    line_b = _post(client, h, "LINE-B", area["id"])
    line_a = _post(client, h, "LINE-A", area["id"])
    loose = _post(client, h, "LOOSE")
    _post(client, auth("south", "manager"), "SOUTH-ROOT")
    tags = lambda r: [e["assetTag"] for e in r.json]  # noqa: E731
    assert tags(client.get(f"/api/equipment?parentId={area['id']}", headers=h)) == ["LINE-A", "LINE-B"]
    assert tags(client.get("/api/equipment?parentId=root", headers=h)) == ["LOOSE", "SITE"]
    r = client.get(f"/api/equipment?parentId={area['id']}&q=LINE-B", headers=h)
    assert tags(r) == ["LINE-B"] and r.headers["X-Total-Count"] == "1"
    # Another warehouse's id: nothing, as an unknown one.
    south = client.get("/api/equipment?parentId=root", headers=auth("south", "manager")).json
    assert [e["assetTag"] for e in south] == ["SOUTH-ROOT"]
    assert client.get(f"/api/equipment?parentId={site['id']}", headers=auth("south", "manager")).json == []
    assert {line_a["id"], line_b["id"], loose["id"]} <= {e["id"] for e in client.get("/api/equipment", headers=h).json}
    r = client.get("/api/equipment?parentId=" + "x" * 37, headers=h)
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "parentId"


def test_retiring_a_parent_keeps_its_children(client, auth, users):
    h = auth("north", "manager")
    line, machine = _chain(client, h, "LINE", "MACHINE")
    r = client.patch(f"/api/equipment/{line['id']}", json={"status": "retired"}, headers=h)
    assert r.status_code == 200
    assert client.get(f"/api/equipment/{machine['id']}", headers=h).json["parentId"] == line["id"]
    assert [e["assetTag"] for e in client.get(f"/api/equipment?parentId={line['id']}", headers=h).json] == ["MACHINE"]


def test_csv_names_the_parent_by_its_tag_both_ways(client, auth, users):
    from test_imports import run_worker, upload

    h = auth("north", "manager")
    _post(client, h, "SITE")
    r = upload(client, h, "assetTag,parentTag,model\nAREA,SITE,\nLINE,AREA,L1\nLOST,NOWHERE,\nSITE,SITE,\n")
    assert r.status_code == 202, r.json
    run_worker()
    got = client.get(f"/api/imports/{r.json['id']}", headers=h).json
    assert (got["createdCount"], got["refusedCount"]) == (2, 2)
    assert {x["line"]: x["reason"] for x in got["refused"]} == {
        4: "parentTag: No asset tagged NOWHERE (the parent must exist, or come earlier in the file)",
        5: "parentId: An asset cannot be part of itself"}
    by_tag = {e.asset_tag: e for e in db.session.query(Equipment)}
    assert by_tag["LINE"].parent_id == by_tag["AREA"].id and by_tag["AREA"].parent_id == by_tag["SITE"].id
    lines = client.get("/api/equipment/export", headers=h).get_data(as_text=True).splitlines()
    header = lines[0].split(",")
    assert header[-1] == "parentTag" and "parentId" not in header
    assert [line.split(",")[-1] for line in lines[1:]] == ["SITE", "AREA", ""]  # AREA, LINE, SITE
    # The export imports again unchanged, parents included.
    job = upload(client, h, "\r\n".join(lines) + "\r\n").json
    run_worker()
    again = client.get(f"/api/imports/{job['id']}", headers=h).json
    assert (again["unchangedCount"], again["refusedCount"]) == (3, 0), again["refused"]


def test_crossing_moves_cannot_close_a_cycle(app, users):
    """A under B and B under A at the same moment (four such pairs): one of each pair wins, the other is
    refused on parentId; no asset ends up its own ancestor."""
    import factories

    actor = Actor.of(users["north"]["manager"])
    pairs = [(service.create_equipment(actor, EquipmentCreate(assetTag=f"A{n}")).id,
              service.create_equipment(actor, EquipmentCreate(assetTag=f"B{n}")).id) for n in range(4)]
    db.session.commit()

    def move(i: int) -> str:
        a, b = pairs[i // 2]
        mover, target = (a, b) if i % 2 == 0 else (b, a)
        try:
            service.update_equipment(actor, mover, EquipmentUpdate(parentId=target))
            return "moved"
        except ValidationFailed as exc:
            assert exc.errors[0]["field"] == "parentId", exc.errors
            return "refused"

    results = factories.run_together(app, 8, move)
    assert all(kind == "ok" for kind, _ in results), results
    db.session.rollback()
    for n, (a, b) in enumerate(pairs):
        assert sorted(v for _, v in results[2 * n: 2 * n + 2]) == ["moved", "refused"]
        parents = {db.session.get(Equipment, a).parent_id, db.session.get(Equipment, b).parent_id}
        assert None in parents  # one of the two is still at the top: no cycle
