"""`/kpis` filtered to one asset (and the assets below it), with MTTR's basis and the PM grace rule:
the same figures as GET /api/kpis with equipmentId / includeChildren / mttrBasis / pmGrace, each
figure's formula beside it, the filter kept on the period links."""
from __future__ import annotations

import re
from datetime import timedelta

from bs4 import BeautifulSoup

from portal.models import DowntimePeriod, Equipment
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.schemas.equipment import EquipmentCreate
from portal.services.assets import equipment as equipment_service


def _figure(html: str, key: str) -> str:
    part = html.split(f'id="figure-{key}">')[1].split("</li>")[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part)).strip()


def line_with_machines(users):
    """LINE-1 > M-1, and LINE-2 beside it; stops of 2 h (LINE-1), 4 h (M-1) and 30 h (LINE-2) ten days ago."""
    m = users.actor("north", "manager")
    eq = {tag: equipment_service.create_equipment(m, EquipmentCreate(assetTag=tag)) for tag in ("LINE-1", "M-1", "LINE-2")}
    db.session.get(Equipment, eq["M-1"].id).parent_id = eq["LINE-1"].id
    now = utcnow()
    for tag, hours in (("LINE-1", 2), ("M-1", 4), ("LINE-2", 30)):
        start = now.replace(microsecond=0) - timedelta(days=10)
        db.session.add(DowntimePeriod(warehouse_id=m.warehouse_id, equipment_id=eq[tag].id, started_at=start,
                                      ended_at=start + timedelta(hours=hours), reason="test"))
    db.session.commit()
    return eq


def test_the_filter_shows_one_asset_and_its_children_as_the_api_does(client, users, auth, portal_login):
    eq = line_with_machines(users)
    portal_login(users["north"]["manager"])
    r = client.get("/kpis?days=30&asset=line-1&children=true")  # a tag typed in lower case still names it
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    api = client.get(f"/api/kpis?days=30&equipmentId={eq['LINE-1'].id}&includeChildren=true",
                     headers=auth("north", "manager")).get_json()
    assert (api["failures"], api["mttrHours"]) == (2, 3.0)
    assert _figure(html, "mttr-hours").startswith("MTTR 3.0 h") and "2 repairs" in _figure(html, "mttr-hours")
    assert "Only LINE-1 and the assets below it (2 in service)" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    # Each figure shows its formula; the period links keep the filter.
    assert "MTTR = Σ (return to service − failure) ÷ repairs" in _figure(html, "mttr-hours")
    soup = BeautifulSoup(html, "html.parser")
    assert "asset=LINE-1" in soup.select_one("#period-7")["href"] and "children=true" in soup.select_one("#period-7")["href"]
    # Without children: LINE-1 alone.
    html = client.get("/kpis?days=30&asset=LINE-1").get_data(as_text=True)
    assert _figure(html, "mttr-hours").startswith("MTTR 2.0 h")
    # The whole warehouse: 36 h over 3 repairs.
    assert _figure(client.get("/kpis?days=30").get_data(as_text=True), "mttr-hours").startswith("MTTR 12.0 h")


def test_an_unknown_asset_is_said_in_words_and_the_warehouse_is_shown(client, users, portal_login):
    line_with_machines(users)
    portal_login(users["north"]["manager"])
    r = client.get("/kpis?days=30&asset=NOPE-9", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.get_data(as_text=True)
    html = r.get_data(as_text=True)
    assert "No asset tagged NOPE-9 here: the whole warehouse is shown." in html
    assert _figure(html, "mttr-hours").startswith("MTTR 12.0 h")
    # Another warehouse's tag is no asset of ours either.
    south = users.actor("south", "manager")
    equipment_service.create_equipment(south, EquipmentCreate(assetTag="SOUTH-1"))
    assert "No asset tagged SOUTH-1 here" in client.get("/kpis?asset=SOUTH-1").get_data(as_text=True)


def test_the_grace_rule_and_mttr_basis_are_offered_and_refused_when_unknown(client, users, portal_login):
    portal_login(users["north"]["manager"])
    soup = BeautifulSoup(client.get("/kpis?pmGrace=smrp&mttrBasis=repairStartToRestore").get_data(as_text=True),
                         "html.parser")
    assert soup.select_one("#f-kpi-grace option[selected]")["value"] == "smrp"
    assert soup.select_one("#f-kpi-mttr option[selected]")["value"] == "repairStartToRestore"
    assert soup.select_one("#f-kpi-grace option[value='']").get_text() == "Warehouse setting (by the due date)"
    assert client.get("/kpis?pmGrace=fortnight").status_code == 400
