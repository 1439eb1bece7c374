"""The portal's checklists for ad-hoc work orders: "New work order" lands on the new order, with
the checklist chosen on the form; "Add checklist items…" on the work order page (managers, open
ad-hoc orders only)."""
from __future__ import annotations

import factories
import pytest
from sqlalchemy import select

from portal.models import ChecklistItem, WorkOrder
from portal.platform.extensions import db
from portal.schemas.pm import PMTemplateCreate
from portal.services.pm import templates as pm_templates
from web.conftest import Tags, csrf_from

HX = {"HX-Request": "true"}


@pytest.fixture
def template_id(users) -> str:
    return pm_templates.create_template(users.actor("north", "manager"), PMTemplateCreate.model_validate({
        "name": "Conveyor check", "frequencyType": "calendar", "frequency": 30, "checklist": [
            {"id": "belt", "description": "Belt tension", "type": "pass_fail", "required": True},
            {"id": "temp", "description": "Gearbox temperature", "type": "measurement", "unit": "C", "max": 80}]})).id


def _items(wo_id: str) -> list[tuple[str, str, bool]]:
    db.session.expire_all()
    return [(i.description, i.type, i.required) for i in db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.work_order_id == wo_id).order_by(ChecklistItem.position))]


def test_new_work_order_lands_on_it_with_its_checklist(client, users, portal_login, template_id):
    portal_login(users["north"]["manager"])
    form = client.get("/work-orders/new").get_data(as_text=True)
    assert Tags(form).find("select", name="fromTemplateId") is not None
    assert "Conveyor check (2 items)" in form
    token = csrf_from(form)
    r = client.post("/work-orders/new", data={"csrf_token": token, "title": "Conveyor rattles",
                                              "fromTemplateId": template_id,
                                              "checklistItems": "Guard refitted\n\n  Area swept  \n"})
    wo = db.session.scalars(select(WorkOrder).where(WorkOrder.title == "Conveyor rattles")).one()
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/work-orders/{wo.id}")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert f"{wo.fo_number} created." in page and "Belt tension" in page and "Area swept" in page
    assert _items(wo.id) == [("Belt tension", "pass_fail", True), ("Gearbox temperature", "measurement", False),
                             ("Guard refitted", "checkbox", False), ("Area swept", "checkbox", False)]
    # A bad checklist refuses the whole form: no work order without its checklist.
    bad = client.post("/work-orders/new", data={"csrf_token": token, "title": "Half", "checklistItems": "x" * 501})
    assert bad.status_code == 422 and Tags(bad.get_data(as_text=True)).find("p", id="e-checklistItems") is not None
    bad = client.post("/work-orders/new", data={"csrf_token": token, "title": "Half", "fromTemplateId": "gone"})
    assert bad.status_code == 422 and "PM template not found" in bad.get_data(as_text=True)
    assert db.session.scalars(select(WorkOrder).where(WorkOrder.title == "Half")).first() is None
    # A technician's form has no checklist fields (only managers add checklists).
    portal_login(users["north"]["technician"])
    assert Tags(client.get("/work-orders/new").get_data(as_text=True)).find("select", name="fromTemplateId") is None


def test_add_checklist_items_on_the_work_order_page(client, users, portal_login, template_id):
    manager = users.actor("north", "manager")
    wo = factories.work_order(manager, title="Pump vibrates", assignedTo=users["north"]["technician"].id)
    portal_login(users["north"]["manager"])
    page = client.get(f"/work-orders/{wo.id}").get_data(as_text=True)
    assert "Add checklist items…" in page and "This work order has no checklist." in page
    hx = {**HX, "X-CSRFToken": csrf_from(page)}
    url = f"/work-orders/{wo.id}/checklist"
    r = client.post(url, headers=hx, data={"source": "template", "fromTemplateId": template_id})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "2 checklist items added." in body and "Belt tension" in body
    assert body.lstrip().startswith('<div id="wo"')  # the detail block htmx swaps
    # Typed in: a measurement with its unit and limits (a decimal comma is fine); a tick's unit is ignored.
    r = client.post(url, headers=hx, data={"source": "item", "description": "Bearing temperature",
                                           "type": "measurement", "unit": "C", "min": "10,5", "max": "70",
                                           "required": "true"})
    assert r.status_code == 200 and "1 checklist item added." in r.get_data(as_text=True)
    r = client.post(url, headers=hx, data={"source": "item", "description": "Guard on", "type": "checkbox",
                                           "unit": "mm"})
    assert r.status_code == 200
    assert _items(wo.id)[2:] == [("Bearing temperature", "measurement", True), ("Guard on", "checkbox", False)]
    added = db.session.scalars(select(ChecklistItem).where(ChecklistItem.description == "Bearing temperature")).one()
    assert (added.unit, added.min_value, added.max_value) == ("C", 10.5, 70.0)
    # Errors in words, next to their field, the fold open and what was typed kept; nothing added.
    for data, field, words in (({"source": "item", "description": ""}, "add-description", "required"),
                               ({"source": "item", "description": "T", "type": "measurement", "min": "9",
                                 "max": "1"}, None, "min is greater than max"),
                               ({"source": "template"}, "add-fromTemplateId", "Choose the PM template")):
        r = client.post(url, headers=hx, data=data)
        body = r.get_data(as_text=True)
        assert r.status_code == 422 and words in body, (data, body[:300])
        assert '<details class="action-fold checklist-add" id="add-checklist" open>' in body
        if field:
            assert Tags(body).find("p", id=f"e-{field}") is not None
    assert len(_items(wo.id)) == 4
    # Without htmx: back to the page with the message.
    r = client.post(url, data={"csrf_token": hx["X-CSRFToken"], "source": "item", "description": "Area swept"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/work-orders/{wo.id}")
    # The technician's page offers no adding; their post is refused.
    portal_login(users["north"]["technician"])
    page = client.get(f"/work-orders/{wo.id}").get_data(as_text=True)
    assert "Add checklist items…" not in page
    assert client.post(url, headers={**HX, "X-CSRFToken": csrf_from(page)},
                       data={"source": "item", "description": "x"}).status_code == 403
    # A closed work order offers nothing; another warehouse's is a 404.
    factories.move_to(manager, wo.id, "cancelled")
    portal_login(users["north"]["manager"])
    assert "Add checklist items…" not in client.get(f"/work-orders/{wo.id}").get_data(as_text=True)
    south = factories.work_order(users.actor("south", "manager"), title="South")
    assert client.post(f"/work-orders/{south.id}/checklist", headers=hx,
                       data={"source": "item", "description": "x"}).status_code == 404
