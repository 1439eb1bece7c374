"""/pm-templates: list, editor, checklist builder (add/remove/reorder without saving, then saved in
order), assets covered, the next-due preview against the scheduler; roles, isolation, CSRF."""
from __future__ import annotations

import re
from datetime import timedelta

import factories
import pytest
from sqlalchemy import select

from portal.models import PMTemplate, WorkOrder
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.schemas.pm import PMTemplateCreate
from portal.schemas.work_orders import WorkOrderUpdate
from portal.services.pm import scheduler as pm_scheduler
from portal.services.pm import templates as pm_templates
from portal.services.work_orders import checklists as checklist_service
from portal.services.work_orders import lifecycle as work_order_service
from portal.web.pm import apply_op
from web.conftest import count_queries, csrf_from

HX = {"HX-Request": "true"}


def _token(client, path: str = "/pm-templates/new") -> str:
    resp = client.get(path)
    assert resp.status_code == 200, resp.status_code
    return csrf_from(resp.get_data(as_text=True))


def _template(actor, **fields):
    body = {"name": "Monthly pump check", "frequencyType": "calendar", "frequency": 30, **fields}
    return pm_templates.create_template(actor, PMTemplateCreate(**body))


def _form(token: str, **fields) -> dict:
    return {"csrf_token": token, "name": "Weekly compressor check", "frequencyType": "calendar",
            "frequency": "7", "leadDays": "0", "priority": "medium", **fields}


def _checklist(*descriptions: str, ids: tuple[str, ...] = ()) -> dict:
    data = {}
    for n, text in enumerate(descriptions):
        data[f"checklist-{n}-description"] = text
        data[f"checklist-{n}-type"] = "checkbox"
        if ids:
            data[f"checklist-{n}-id"] = ids[n]
    return data


def test_list_shows_name_frequency_assets_next_due_and_active(client, users, portal_login):
    manager = users.actor("north", "manager")
    pump, fan = factories.equipment(manager), factories.equipment(manager)
    start = utcnow() + timedelta(days=3)
    _template(manager, name="Weekly grease", frequency=7, startDate=start, equipmentIds=[pump.id, fan.id])
    _template(manager, name="Hours service", frequencyType="meter", frequency=500, meter="hours",
              equipmentIds=[pump.id])
    paused = _template(manager, name="Old check")
    pm_templates.delete_template(manager, paused.id)  # no work order yet: deleted
    _template(users.actor("south", "manager"), name="South only")
    portal_login(users["north"]["manager"])
    html = client.get("/pm-templates").get_data(as_text=True)
    assert "Weekly grease" in html and "Hours service" in html and "South only" not in html
    row = re.search(r'<tr class="pmt-row">\s*<th scope="row"><a[^>]*>Weekly grease</a>.*?</tr>', html, re.S).group(0)
    assert "every 7 days" in row and '<td class="num">2</td>' in row
    assert f'datetime="{(start + timedelta(days=7)).isoformat()}"' in row
    assert "every 500 hours" in html and "by meter" in html
    frag = client.get("/pm-templates?q=grease", headers=HX)
    body = frag.get_data(as_text=True)
    assert frag.status_code == 200 and "<html" not in body and "Weekly grease" in body and "Hours service" not in body
    assert 'href="/pm-templates"' in client.get("/assets").get_data(as_text=True)  # the nav entry


def test_list_query_count_does_not_grow_with_templates(client, users, portal_login):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager)
    _template(manager, equipmentIds=[pump.id])
    portal_login(users["north"]["manager"])
    _template(manager, name="Second", equipmentIds=[pump.id])  # both counts follow a commit
    few = count_queries(client, "/pm-templates")
    for n in range(6):
        _template(manager, name=f"T{n}", equipmentIds=[pump.id])
    assert count_queries(client, "/pm-templates") == few


@pytest.mark.parametrize("role", ["technician", "requester"])
def test_only_managers_and_admins_reach_the_editor(client, users, portal_login, role):
    manager = users.actor("north", "manager")
    template = _template(manager)
    portal_login(users["north"][role])
    for path in ("/pm-templates", "/pm-templates/new", f"/pm-templates/{template.id}",
                 "/pm-templates/preview?frequency=7"):
        assert client.get(path).status_code == 403, path
        assert client.get(path, headers=HX).status_code == 403, path
    token = csrf_from(client.get("/assets").get_data(as_text=True))
    assert 'href="/pm-templates"' not in client.get("/assets").get_data(as_text=True)
    # A POST is refused by the service (pm.write), and nothing changes.
    assert client.post("/pm-templates/new", data=_form(token)).status_code == 403
    assert client.post(f"/pm-templates/{template.id}", data=_form(token, name="Hijacked")).status_code == 403
    assert client.post(f"/pm-templates/{template.id}", data=_form(token, op="add")).status_code == 403
    db.session.expire_all()
    assert db.session.get(PMTemplate, template.id).name == "Monthly pump check"
    assert db.session.scalar(select(db.func.count()).select_from(PMTemplate)) == 1


def test_admin_uses_the_editor_too(client, users, portal_login):
    portal_login(users["north"]["admin"])
    token = _token(client)
    resp = client.post("/pm-templates/new", data=_form(token))
    assert resp.status_code == 303


def test_another_warehouses_template_is_404(client, users, portal_login):
    south = _template(users.actor("south", "manager"), name="South check")
    south_pump = factories.equipment(users.actor("south", "manager"))
    portal_login(users["north"]["manager"])
    token = _token(client)
    for headers in ({}, HX):
        assert client.get(f"/pm-templates/{south.id}", headers=headers).status_code == 404
        assert client.get(f"/pm-templates/preview?frequency=7&templateId={south.id}", headers=headers).status_code == 404
    assert client.post(f"/pm-templates/{south.id}", data=_form(token, name="Mine now")).status_code == 404
    assert client.post(f"/pm-templates/{south.id}", data=_form(token, op="add"), headers=HX).status_code == 404
    db.session.expire_all()
    assert db.session.get(PMTemplate, south.id).name == "South check"
    # Another warehouse's asset in the list: an error at the picker, nothing created.
    resp = client.post("/pm-templates/new", data={**_form(token), "equipmentIds": [south_pump.id]})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Equipment not found" in html
    assert db.session.scalar(select(db.func.count()).select_from(PMTemplate).where(
        PMTemplate.warehouse_id == users["north"]["manager"].warehouse_id)) == 0


def test_posts_without_csrf_are_refused(client, users, portal_login):
    template = _template(users.actor("north", "manager"))
    portal_login(users["north"]["manager"])
    for path in ("/pm-templates/new", f"/pm-templates/{template.id}"):
        assert client.post(path, data={"name": "X", "frequencyType": "calendar", "frequency": "7"}).status_code == 400
        assert client.post(path, data={"op": "add"}, headers=HX).status_code == 400
    assert db.session.scalar(select(db.func.count()).select_from(PMTemplate)) == 1


def test_field_errors_next_to_fields_and_nothing_saved(client, users, portal_login):
    portal_login(users["north"]["manager"])
    token = _token(client)
    bad = {**_form(token, name="", frequency="40000", leadDays="400", estimatedDuration="0"),
           **_checklist("Check oil", ""), "checklist-1-type": "measurement",
           "checklist-2-description": "Pressure", "checklist-2-type": "measurement",
           "checklist-2-min": "10", "checklist-2-max": "5"}
    resp = client.post("/pm-templates/new", data=bad)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert re.search(r'<p class="error" id="e-name">[^<]+</p>', html)
    assert "A calendar frequency is at most 36500 days" in html
    assert re.search(r'id="e-leadDays">Input should be less than or equal to 365', html)
    assert re.search(r'id="e-estimatedDuration">Input should be greater than 0', html)
    assert "min is greater than max" in html
    # Every row comes back as typed, the blank one marked, so nothing is lost.
    assert 'value="Check oil"' in html and 'value="Pressure"' in html and html.count('<li class="pmt-item') == 3
    assert re.search(r'<li class="pmt-item invalid" id="ck-[0-9a-f]+">\s*<input type="hidden" name="checklist-1-id"', html)
    assert 'data-unsaved="dirty"' in html
    # A meter template must name its meter: the service's rule, next to the field.
    resp = client.post("/pm-templates/new", data=_form(token, frequencyType="meter", frequency="500"))
    assert resp.status_code == 422 and re.search(r'id="e-meter">A meter template names the meter', resp.get_data(as_text=True))
    assert db.session.scalar(select(db.func.count()).select_from(PMTemplate)) == 0


def test_create_round_trip_with_checklist_assets_and_start_date(client, users, portal_login):
    manager = users.actor("north", "manager")
    pump, fan = factories.equipment(manager, assetTag="PMP-1"), factories.equipment(manager, assetTag="FAN-1")
    tech = users["north"]["technician"]
    portal_login(users["north"]["manager"])
    token = _token(client)
    data = {**_form(token, description="Grease and inspect", estimatedDuration="45", priority="high",
                    assignedTo=tech.id, leadDays="3", startDate="2027-03-01"),
            **_checklist("Grease bearings", "Measure vibration", "Check guards", ids=("a", "b", "c")),
            "checklist-1-type": "measurement", "checklist-1-unit": "mm/s", "checklist-1-min": "0",
            "checklist-1-max": "4.5", "checklist-2-required": "true", "checklist-0-unit": "left over",
            "equipmentIds": [fan.id, pump.id]}
    resp = client.post("/pm-templates/new", data=data)
    assert resp.status_code == 303
    template = db.session.scalars(select(PMTemplate)).one()
    assert resp.headers["Location"] == f"/pm-templates/{template.id}"
    assert (template.name, template.description, template.frequency, template.priority, template.lead_days,
            template.estimated_duration, template.assigned_to) == (
        "Weekly compressor check", "Grease and inspect", 7, "high", 3, 45, tech.id)
    assert template.start_date.isoformat() == "2027-03-01T00:00:00+00:00"  # midnight, warehouse zone (UTC)
    assert template.checklist == [
        {"id": "a", "description": "Grease bearings", "type": "checkbox", "required": False, "unit": None,
         "min": None, "max": None},  # a hidden unit of a non-measurement item is not sent
        {"id": "b", "description": "Measure vibration", "type": "measurement", "required": False, "unit": "mm/s",
         "min": 0.0, "max": 4.5},
        {"id": "c", "description": "Check guards", "type": "checkbox", "required": True, "unit": None,
         "min": None, "max": None},
    ]
    assert pm_templates.describe_template(template)["equipment_ids"] == [fan.id, pump.id]
    html = client.get(f"/pm-templates/{template.id}").get_data(as_text=True)
    assert 'value="Weekly compressor check"' in html and 'value="2027-03-01"' in html and 'value="4.5"' in html
    assert html.index('value="Grease bearings"') < html.index('value="Measure vibration"') < html.index('value="Check guards"')
    assert re.search(rf'value="{pump.id}" checked', html) and re.search(rf'value="{fan.id}" checked', html)


def test_edit_round_trip_clears_fields_unticks_assets_pauses(client, users, portal_login):
    manager = users.actor("north", "manager")
    pump, fan = factories.equipment(manager), factories.equipment(manager)
    start = utcnow().replace(microsecond=0) + timedelta(hours=5)
    template = _template(manager, description="Old text", estimatedDuration=30, startDate=start,
                         equipmentIds=[pump.id, fan.id],
                         checklist=[{"id": "x", "description": "One"}, {"id": "y", "description": "Two"}])
    portal_login(users["north"]["manager"])
    path = f"/pm-templates/{template.id}"
    page = client.get(path).get_data(as_text=True)
    token = csrf_from(page)
    start_value = re.search(r'name="startDate" type="date" value="([^"]+)"', page).group(1)
    resp = client.post(path, data={**_form(token, name="Renamed", frequency="14", description="", estimatedDuration="",
                                           startDate=start_value, active="false"),
                                   **_checklist("Two", "One", ids=("y", "x")), "equipmentIds": [fan.id]})
    assert resp.status_code == 303 and resp.headers["Location"] == path
    db.session.expire_all()
    saved = db.session.get(PMTemplate, template.id)
    assert (saved.name, saved.frequency, saved.description, saved.estimated_duration, saved.active) == (
        "Renamed", 14, None, None, False)
    assert saved.start_date == start  # the unchanged date field did not move its time of day
    assert [item["id"] for item in saved.checklist] == ["y", "x"]
    assert pm_templates.describe_template(saved)["equipment_ids"] == [fan.id]
    # Emptying the whole checklist and the asset list is a change too.
    resp = client.post(path, data=_form(token, name="Renamed", startDate=start_value))
    assert resp.status_code == 303
    db.session.expire_all()
    saved = db.session.get(PMTemplate, template.id)
    assert saved.checklist == [] and pm_templates.describe_template(saved)["equipment_ids"] == []


def test_apply_op_adds_removes_and_moves_rows():
    rows = [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    rows, note, focus = apply_op(rows, "add")
    assert len(rows) == 4 and rows[3]["description"] == "" and rows[3]["id"] not in "abc"
    assert note == "Item 4 added." and focus.endswith("-description")
    rows, _, _ = apply_op(rows, "remove:3")
    rows, note, focus = apply_op(rows, "up:2")
    assert [r["id"] for r in rows] == ["a", "c", "b"] and note == "Moved up to position 2." and focus.endswith("-up")
    rows, _, _ = apply_op(rows, "down:0")
    assert [r["id"] for r in rows] == ["c", "a", "b"]
    for op in ("up:0", "down:2", "remove:9", "up:-1", "sideways:1", "remove:"):
        rows, _, _ = apply_op(rows, op)
        assert [r["id"] for r in rows] == ["c", "a", "b"], op


def test_checklist_add_remove_reorder_without_saving_then_saved_in_order(client, users, portal_login):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager)
    template = _template(manager, equipmentIds=[pump.id], checklist=[{"id": "k1", "description": "Keep me"}])
    portal_login(users["north"]["manager"])
    path = f"/pm-templates/{template.id}"
    page = client.get(path).get_data(as_text=True)
    token = csrf_from(page)
    base = _form(token, name="Monthly pump check", frequency="30")

    def op(rows: dict, action: str) -> tuple[str, dict]:
        resp = client.post(path, data={**base, **rows, "op": action}, headers=HX)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and "<html" not in html and html.lstrip().startswith('<section id="pm-checklist"')
        # What the page would post next: the rows of the fragment, in its order.
        fields = dict(re.findall(r'name="(checklist-\d+-(?:id|description|type))"[^>]*? value="([^"]*)"', html))
        fields.update({m[0]: m[1] for m in re.findall(
            r'name="(checklist-\d+-type)">.*?<option value="(\w+)" selected', html, re.S)})
        return html, fields

    rows = {"checklist-0-id": "k1", "checklist-0-description": "Keep me", "checklist-0-type": "checkbox"}
    for text in ("Drain water", "Check belts", "Clean filter"):
        html, rows = op(rows, "add")
        n = max(int(k.split("-")[1]) for k in rows)
        assert rows[f"checklist-{n}-description"] == "" and "autofocus" in html
        rows[f"checklist-{n}-description"] = text
    html, rows = op(rows, "remove:2")  # "Check belts"
    assert "Item removed: Check belts." in html
    html, rows = op(rows, "up:2")  # "Clean filter" above "Drain water"
    assert "Moved up to position 2." in html
    db.session.expire_all()
    assert [i["description"] for i in db.session.get(PMTemplate, template.id).checklist] == ["Keep me"]  # not saved yet
    descriptions = [rows[f"checklist-{n}-description"] for n in range(3)]
    assert descriptions == ["Keep me", "Clean filter", "Drain water"]
    # Without JavaScript the same buttons answer the whole page.
    full = client.post(path, data={**base, **rows, "op": "down:0"})
    assert full.status_code == 200 and "<html" in full.get_data(as_text=True)
    resp = client.post(path, data={**base, **rows, "equipmentIds": [pump.id]})
    assert resp.status_code == 303
    db.session.expire_all()
    saved = db.session.get(PMTemplate, template.id)
    assert [i["description"] for i in saved.checklist] == descriptions
    assert saved.checklist[0]["id"] == "k1"  # the kept item keeps its id
    # The work order the scheduler creates from it has the items in that order.
    link_due = pm_templates.describe_template(saved)["schedule"][0]["next_due_date"]
    assert pm_scheduler.schedule_due(now=link_due, template_id=saved.id)["created"] == 1
    wo = db.session.scalars(select(WorkOrder).where(WorkOrder.pm_template_id == saved.id)).one()
    items = checklist_service.get_checklist(manager, wo.id)
    assert [i.description for i in items] == descriptions


def test_preview_is_what_the_scheduler_creates(client, users, portal_login):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager)
    portal_login(users["north"]["manager"])
    token = _token(client)
    start = (utcnow() + timedelta(days=10)).date().isoformat()
    resp = client.post("/pm-templates/new", data={**_form(token, frequency="9", leadDays="2", startDate=start),
                                                  "equipmentIds": [pump.id]})
    assert resp.status_code == 303
    template = db.session.scalars(select(PMTemplate)).one()
    html = client.get(f"/pm-templates/{template.id}").get_data(as_text=True)
    preview = re.search(r'<ol class="pmt-dates">(.*?)</ol>', html, re.S).group(1)
    shown = re.findall(r'<time datetime="([^"]+)"', preview)
    assert len(shown) == 5
    # The fragment, refreshed by htmx from the form's fields, says the same.
    frag = client.get(f"/pm-templates/preview?templateId={template.id}&frequencyType=calendar&frequency=9"
                      f"&leadDays=2&startDate={start}", headers=HX).get_data(as_text=True)
    assert re.findall(r'<time datetime="([^"]+)"', frag) == shown and "<html" not in frag
    # Run the scheduler at each creation time (due - lead days); cancelling each work order lets
    # the next occurrence come: its due dates are the preview's.
    created = []
    for _ in range(5):
        due = pm_templates.describe_template(template)["schedule"][0]["next_due_date"]
        summary = pm_scheduler.schedule_due(now=due - timedelta(days=2), template_id=template.id)
        assert summary["created"] == 1
        wo = db.session.get(WorkOrder, summary["workOrderIds"][0])
        created.append(wo.pm_due_date.isoformat())
        work_order_service.update_work_order(manager, wo.id, WorkOrderUpdate(status="cancelled"))
    assert created == shown


def test_preview_refreshes_and_reports_bad_input(client, users, portal_login):
    portal_login(users["north"]["manager"])
    frag = client.get("/pm-templates/preview?frequencyType=calendar&frequency=7&leadDays=0&startDate=2030-01-01",
                      headers=HX)
    html = frag.get_data(as_text=True)
    assert frag.status_code == 200 and 'hx-get="/pm-templates/preview"' in html
    assert re.findall(r'<time datetime="([^"]+)"', html)[:2] == ["2030-01-08T00:00:00+00:00", "2030-01-15T00:00:00+00:00"]
    bad = client.get("/pm-templates/preview?frequencyType=calendar&frequency=99999", headers=HX).get_data(as_text=True)
    assert "at most 36500 days" in bad and "<time" not in bad
    meter = client.get("/pm-templates/preview?frequencyType=meter&frequency=250&meter=hours", headers=HX)
    assert "reading reaches the reading at the last PM + 250" in meter.get_data(as_text=True)


def test_emptying_a_required_field_on_edit_is_an_error_not_a_silent_no_change(client, users, portal_login):
    template = _template(users.actor("north", "manager"))
    portal_login(users["north"]["manager"])
    path = f"/pm-templates/{template.id}"
    token = _token(client, path)
    resp = client.post(path, data=_form(token, name="", frequency="", leadDays="3"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert re.search(r'id="e-name">Field required', html) and re.search(r'id="e-frequency">Field required', html)
    db.session.expire_all()
    saved = db.session.get(PMTemplate, template.id)
    assert (saved.name, saved.frequency, saved.lead_days) == ("Monthly pump check", 30, 7)
