"""The work order screens at plant scale: the asset picker (search, tenancy, the board filtered by the
chosen asset with the URL kept, the new work order form) and the assignee choices rendered once per
page; the board's, its fragments' and the work order page's SQL statements and options counted
while the warehouse grows (assets, people), so a list proportional to the plant never comes back."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import factories
import pytest
from sqlalchemy import insert, select

from portal.models import Equipment, User, WorkOrder
from portal.models.types import new_id, utcnow
from portal.platform.extensions import db
from portal.services.work_orders import pickers
from web.conftest import Tags, count_queries, csrf_from

HX = {"HX-Request": "true"}


@pytest.fixture
def plant(client, users, portal_login):
    """North: a pump and a fan (and a south pump that must never show), work on each, the manager in."""
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager, assetTag="PUMP-7", location="Hall A", manufacturer="Grundfos")
    fan = factories.equipment(manager, assetTag="FAN-2", location="Roof", manufacturer="Ziehl", model="EC 400",
                              description="Roof extractor fan")
    south = factories.equipment(users.actor("south", "manager"), assetTag="PUMP-70", location="South hall")
    on_pump = factories.work_order(manager, title="Seal leaking", equipmentId=pump.id,
                                   assignedTo=users["north"]["technician"].id)
    on_fan = factories.work_order(manager, title="Fan vibrates", equipmentId=fan.id)
    portal_login(users["north"]["manager"])
    return {"pump": pump.id, "fan": fan.id, "south": south.id, "on_pump": on_pump.id, "on_fan": on_fan.id}


def options(html: str, select_id: str) -> list[str]:
    """The values of the options of one select, in order (Tags sees start tags in document order)."""
    inside, found = False, []
    for name, attrs in Tags(html).tags:
        if name == "option":
            if inside:
                found.append(attrs.get("value", ""))
        else:  # the select's options follow it; any other tag ends them
            inside = name == "select" and attrs.get("id") == select_id
    return found


def add_assets(warehouse_id: str, count: int, prefix: str = "BULK") -> None:
    now = utcnow()
    db.session.execute(insert(Equipment), [
        {"id": new_id(), "warehouse_id": warehouse_id, "asset_tag": f"{prefix}-{n:05d}", "location": f"Bay {n}",
         "status": "active", "criticality": "medium", "created_at": now, "updated_at": now}
        for n in range(count)])
    db.session.commit()


def add_technicians(warehouse_id: str, count: int, password_hash: str) -> None:
    now = utcnow()
    db.session.execute(insert(User), [
        {"id": new_id(), "email": f"crew{n}-{new_id()[:6]}@north.example.com", "name": f"Crew {n}",
         "password_hash": password_hash, "role": "technician", "warehouse_id": warehouse_id, "active": True,
         "totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
         "created_at": now} for n in range(count)])
    db.session.commit()


# ---- the picker's service ------------------------------------------------------------------------

def test_the_search_finds_the_asset_best_match_first_and_never_another_warehouses(users, plant):
    manager = users.actor("north", "manager")
    found = pickers.asset_choices(manager, "pump")
    assert [a.id for a in found.options] == [plant["pump"]]  # PUMP-70 is south's
    assert found.options[0].text == "PUMP-7 · Hall A" and not found.more
    assert [a.id for a in pickers.asset_choices(manager, "ziehl").options] == [plant["fan"]]  # the maker too
    # A tag equal to the text comes before one that merely contains it.
    other = factories.equipment(manager, assetTag="XPUMP-7", location="Hall B")
    assert [a.id for a in pickers.asset_choices(manager, "pump-7").options] == [plant["pump"], other.id]
    # Another warehouse's asset: neither offered by a search nor kept as the "chosen" one.
    assert pickers.asset_choices(manager, "PUMP-70").options == []
    chosen = pickers.asset_choices(manager, None, plant["south"])
    assert chosen.chosen is None and plant["south"] not in {a.id for a in chosen.options}
    # South's manager finds theirs, not north's.
    assert [a.id for a in pickers.asset_choices(users.actor("south", "manager"), "pump").options] == [plant["south"]]


def test_the_chosen_asset_comes_first_and_the_list_stays_short(users, plant):
    manager = users.actor("north", "manager")
    add_assets(manager.warehouse_id, pickers.PICK_LIMIT + 15)
    first = pickers.asset_choices(manager)
    assert len(first.options) == pickers.PICK_LIMIT and first.more
    assert [a.asset_tag for a in first.options] == sorted(a.asset_tag for a in first.options)
    kept = pickers.asset_choices(manager, "BULK", plant["fan"])  # chosen before, not matching the text
    assert kept.options[0].id == plant["fan"] and kept.chosen.id == plant["fan"]
    assert len(kept.options) == pickers.PICK_LIMIT + 1 and kept.more
    narrowed = pickers.asset_choices(manager, "BULK-0001")
    assert [a.asset_tag for a in narrowed.options][:1] == ["BULK-00010"] and not narrowed.more


# ---- the picker on the board and the list --------------------------------------------------------

def test_the_options_route_answers_the_select_for_what_was_typed(client, plant):
    r = client.get("/work-orders/asset-options?assetQ=pump&pick=filter", headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "HX-Request" in r.headers["Vary"] and "<html" not in html
    assert options(html, "f-equipmentId") == ["", plant["pump"]]
    assert "PUMP-7 · Hall A" in html and "Any asset" in html and "PUMP-70" not in html
    # The chosen asset stays while another search answers; the form's blank says "No asset".
    html = client.get(f"/work-orders/asset-options?assetQ=roof&equipmentId={plant['pump']}&pick=form",
                      headers=HX).get_data(as_text=True)
    assert options(html, "f-equipmentId") == ["", plant["pump"], plant["fan"]]
    assert "selected" in Tags(html).find("option", value=plant["pump"]) and "No asset" in html
    # Another warehouse's id as "chosen": not offered, not selected.
    html = client.get(f"/work-orders/asset-options?equipmentId={plant['south']}", headers=HX).get_data(as_text=True)
    assert plant["south"] not in html


def test_a_chosen_asset_filters_the_board_and_the_url_keeps_it(client, plant):
    page = client.get(f"/work-orders?equipmentId={plant['pump']}&assetQ=pump&sort=priority").get_data(as_text=True)
    tags = Tags(page)
    assert "Seal leaking" in page and "Fan vibrates" not in page
    assert "selected" in tags.find("option", value=plant["pump"])
    assert tags.find("input", id="f-equipmentQ")["value"] == "pump"  # the search box as it was typed
    assert options(page, "f-equipmentId") == ["", plant["pump"]]
    assert "Work orders of asset <strong>PUMP-7 · Hall A</strong>" in page
    # The board's own links keep the asset (sorting, the kinds, the CSV), not the search text.
    sort_link = next(a["href"] for a in tags.find_all("a") if "sort=" in a.get("href", "") and "foNumber" in a["href"])
    assert parse_qs(urlsplit(sort_link).query)["equipmentId"] == [plant["pump"]]
    kanban = next(a["href"] for a in tags.find_all("a") if "view=kanban" in a.get("href", ""))
    assert parse_qs(urlsplit(kanban).query)["equipmentId"] == [plant["pump"]] and "assetQ" not in kanban
    # The fragment the filter form swaps in (htmx) is filtered alike, without the picker itself.
    frag = client.get(f"/work-orders?equipmentId={plant['pump']}&assetQ=pump", headers=HX).get_data(as_text=True)
    assert "Seal leaking" in frag and "Fan vibrates" not in frag and 'id="f-equipmentQ"' not in frag
    # Without JavaScript: the search sent with the form lists the matches in the select.
    plain = client.get("/work-orders?assetQ=roof").get_data(as_text=True)
    assert options(plain, "f-equipmentId") == ["", plant["fan"]] and "Seal leaking" in plain


def test_the_technicians_list_has_the_same_picker(client, users, plant, portal_login):
    portal_login(users["north"]["technician"])
    html = client.get(f"/work-orders?equipmentId={plant['fan']}").get_data(as_text=True)
    assert "Fan vibrates" in html and "Seal leaking" not in html
    assert options(html, "f-equipmentId")[:2] == ["", plant["fan"]]


# ---- the new work order form ---------------------------------------------------------------------

def test_new_work_order_with_the_picked_asset(client, users, plant):
    html = client.get("/work-orders/new").get_data(as_text=True)
    assert Tags(html).find("input", id="f-equipmentQ", hx_get="/work-orders/asset-options")
    token = csrf_from(html)
    r = client.post("/work-orders/new", data={"csrf_token": token, "title": "Fan belt", "assetQ": "roof",
                                              "equipmentId": plant["fan"], "priority": "low", "type": "corrective"})
    assert r.status_code == 303
    wo = db.session.scalar(select(WorkOrder).where(WorkOrder.title == "Fan belt"))
    assert wo.equipment_id == plant["fan"]
    # Typed but not chosen: asked, not created without the asset.
    r = client.post("/work-orders/new", data={"csrf_token": token, "title": "Pump noise", "assetQ": "pump",
                                              "priority": "low", "type": "corrective"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and Tags(page).find("p", id="e-equipmentId")
    assert options(page, "f-equipmentId") == ["", plant["pump"]]  # the matches, to choose from
    assert db.session.scalar(select(WorkOrder).where(WorkOrder.title == "Pump noise")) is None
    # Another warehouse's asset: refused next to the picker.
    r = client.post("/work-orders/new", data={"csrf_token": token, "title": "X", "equipmentId": plant["south"]})
    assert r.status_code == 422 and Tags(r.get_data(as_text=True)).find("p", id="e-equipmentId")


# ---- assignees once per page ---------------------------------------------------------------------

def test_rows_carry_their_assignee_and_the_page_its_people_once(client, users, plant):
    html = client.get("/work-orders").get_data(as_text=True)
    tech = users["north"]["technician"]
    # A row: blank and its own assignee, and where the rest comes from.
    assert options(html, f"f-assignedTo-{plant['on_pump']}") == ["", tech.id]
    assert options(html, f"f-assignedTo-{plant['on_fan']}") == [""]
    row = Tags(html).find("select", id=f"f-assignedTo-{plant['on_fan']}")
    assert row["data-options"] == "#assignee-options"
    # The people: in the shared list once, the bulk bar and the filter (each a select of its own).
    people = {u.id for k, u in users["north"].items() if u.role in ("technician", "manager", "admin")}
    assert html.count(f'value="{tech.id}"') == 4  # template, bulk bar, filter, and the row that has him
    shared = html.split('<template id="assignee-options">', 1)[1].split("</template>", 1)[0]
    assert {o["value"] for o in Tags(shared).find_all("option")} == people
    assert options(html, "f-bulk-assignee")[-1] == "-"  # Unassign last, as before
    # A row's answer after an inline edit names the new assignee without the whole crew.
    r = client.post(f"/work-orders/{plant['on_fan']}/board", data={"assignedTo": tech.id},
                    headers={**HX, "X-CSRFToken": csrf_from(html)})
    assert r.status_code == 200 and options(r.get_data(as_text=True), f"f-assignedTo-{plant['on_fan']}") == ["", tech.id]


# ---- what does not grow with the plant ------------------------------------------------------------

def _measure(client, paths: list[tuple[str, dict]]) -> list[tuple[int, int]]:
    """(statements, options) of each GET."""
    found = []
    for path, headers in paths:
        client.get(path, headers=headers)  # the read cache filled: both sizes measured alike
        statements = count_queries(client, path, headers=headers)
        found.append((statements, client.get(path, headers=headers).get_data(as_text=True).count("<option")))
    return found


def test_statements_and_options_do_not_grow_with_assets_or_people(client, users, plant, portal_login):
    """The board (table, kanban, calendar, the fragments filters and live refreshes swap), the new work
    order form and the work order page: the same number of SQL statements whatever the number of
    assets and people; no option per asset at all past the picker's few; the people's options once
    per page (three selects of their own), never per row, and none in the fragments."""
    manager = users.actor("north", "manager")
    for n in range(12):  # rows with assignees and assets: a row must not carry the crew
        factories.work_order(manager, title=f"Routine {n}", equipmentId=plant["fan"],
                             assignedTo=users["north"]["technician"].id)
    wo = plant["on_pump"]
    board = [("/work-orders", {}), ("/work-orders?view=kanban", {}), ("/work-orders?view=calendar", {}),
             ("/work-orders?status=new,assigned&sort=priority", HX), (f"/work-orders?equipmentId={plant['fan']}", HX),
             ("/work-orders/new", {})]
    add_assets(manager.warehouse_id, pickers.PICK_LIMIT + 10, prefix="BASE")  # more than the picker shows
    before = _measure(client, board)
    add_assets(manager.warehouse_id, 300)
    hash_ = users["north"]["manager"].password_hash
    add_technicians(manager.warehouse_id, 40, hash_)
    after = _measure(client, board)
    assert [s for s, _ in after] == [s for s, _ in before]  # statements: not one more
    # Options: the 300 assets add none (the picker offers at most PICK_LIMIT); the 40 people add 40
    # per select that lists them (the filter, the bulk bar, the rows' shared list, the form), not per row.
    per_page = [3, 3, 3, 0, 0, 1]
    assert [a - b for (_, a), (_, b) in zip(after, before, strict=True)] == [40 * k for k in per_page]

    # The work order page, for its technician: the same statements, no list of assets or people.
    portal_login(users["north"]["technician"])
    client.get(f"/work-orders/{wo}")
    page_before = count_queries(client, f"/work-orders/{wo}")
    add_assets(manager.warehouse_id, 100, prefix="MORE")
    add_technicians(manager.warehouse_id, 30, hash_)
    client.get(f"/work-orders/{wo}")
    assert count_queries(client, f"/work-orders/{wo}") == page_before
    html = client.get(f"/work-orders/{wo}").get_data(as_text=True)
    assert "MORE-" not in html and "BULK-" not in html and "Crew " not in html
