"""Checks that lead somewhere: readings in the plant's decimal style, flagged readings recorded as
events, and the follow-up work order raised from a flagged item (by a tap, or by itself once)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.models import DomainEvent, WebhookDelivery, WorkOrder
from portal.platform.extensions import db
from portal.schemas.pm import ChecklistItemUpdate
from portal.services.common.errors import ValidationFailed
from portal.services.pm import scheduler as pm_scheduler
from portal.services.work_orders import checklists
from portal.services.work_orders.readings import format_reading, limits, parse_reading

CHECKLIST = [
    {"id": "temp", "description": "Bearing temperature", "type": "measurement", "required": True, "unit": "°C",
     "min": 10, "max": 80},
    {"id": "belt", "description": "Belt tension", "type": "pass_fail", "required": True},
    {"id": "guard", "description": "Guard refitted", "type": "checkbox"},
]


def pm_order(client, auth, users, checklist=CHECKLIST) -> tuple[str, dict[str, str], str]:
    """A PM work order on MTR-7 with `checklist`, assigned to north's technician."""
    h = auth("north", "manager")
    pump = client.post("/api/equipment", json={"assetTag": "MTR-7"}, headers=h).json["id"]
    r = client.post("/api/pm-templates", headers=h, json={
        "name": "Motor PM", "frequencyType": "calendar", "frequency": 30, "leadDays": 30, "equipmentIds": [pump],
        "assignedTo": users["north"]["technician"].id, "checklist": checklist})
    assert r.status_code == 201, r.json
    [wo_id] = pm_scheduler.schedule_due()["workOrderIds"]
    items = client.get(f"/api/work-orders/{wo_id}/checklist", headers=h).json
    return wo_id, {i["itemId"]: i["id"] for i in items}, pump


def events(name: str) -> list[DomainEvent]:
    db.session.rollback()
    return list(db.session.scalars(select(DomainEvent).where(DomainEvent.event == name)
                                   .order_by(DomainEvent.created_at, DomainEvent.id)))


def patch(client, h, wo_id, item_id, body):
    return client.patch(f"/api/work-orders/{wo_id}/checklist/{item_id}", json=body, headers=h)


def follow_up(client, h, wo_id, item_id):
    return client.post(f"/api/work-orders/{wo_id}/checklist/{item_id}/follow-up", headers=h)


# --- readings the plant's way -----------------------------------------------------------------

@pytest.mark.parametrize("text, number", [
    ("65,5", 65.5), ("65.5", 65.5), (" 95 ", 95.0), ("-3,25", -3.25), ("\u22123,5", -3.5), (",5", 0.5),
    ("1 234,5", 1234.5), ("1\u202f234.5", 1234.5), ("1'234,5", 1234.5), ("12 345 678", 12345678.0),
    ("1,234", 1.234),  # one mark is the decimal mark, whichever it is
])
def test_either_decimal_mark_is_read(text, number):
    assert parse_reading(text, ",") == number
    assert parse_reading(text, ".") == number


@pytest.mark.parametrize("text, mark, message", [
    ("1,234.5", ",", "Write the number with one decimal mark and no thousands separator, e.g. 1234,5"),
    ("1.234,5", ".", "Write the number with one decimal mark and no thousands separator, e.g. 1234.5"),
    ("1.2.3", ",", "Write the number with one decimal mark and no thousands separator, e.g. 1234,5"),
    ("95 °C", ",", "Enter the reading as a number only, e.g. 65,5"),
    ("12 34", ".", "Enter the reading as a number only, e.g. 65.5"),
    ("warm", ".", "Enter the reading as a number only, e.g. 65.5"),
    ("1e400", ".", "Enter the reading as a number only, e.g. 65.5"),
    ("", ",", "Enter the reading, e.g. 65,5"),
])
def test_unclear_numbers_are_refused_in_words(text, mark, message):
    with pytest.raises(ValidationFailed) as caught:
        parse_reading(text, mark)
    assert caught.value.errors == [{"field": "value", "message": message}]


def test_readings_are_written_back_the_plants_way():
    assert [format_reading(v, ",") for v in (95.0, 65.5, -0.25, None)] == ["95", "65,5", "-0,25", ""]
    assert format_reading(65.5, ".") == "65.5"
    assert limits(10, 80, "°C", ",") == "10–80 °C"
    assert limits(1.5, None, "bar", ",") == "at least 1,5 bar"
    assert limits(None, 4.5, None, ".") == "at most 4.5"


def test_the_portal_takes_a_decimal_comma_the_api_keeps_numbers(app, client, auth, users):
    wo_id, ids, _ = pm_order(client, auth, users)
    tech = users.actor("north", "technician")
    with app.test_request_context():
        item = checklists.update_item(tech, wo_id, ids["temp"], ChecklistItemUpdate(value="65,5"), typed=True)
        assert (item.value, item.flagged, item.done) == (65.5, False, True)
    h = auth("north", "technician")
    r = patch(client, h, wo_id, ids["temp"], {"value": "65,5"})  # the API: a JSON number, or "65.5" as before
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "value"
    assert patch(client, h, wo_id, ids["temp"], {"value": "70.5"}).json["value"] == 70.5
    assert events("checklist.item_flagged") == []


# --- flagged readings -------------------------------------------------------------------------

def test_each_new_flagged_reading_is_one_event(client, auth, users):
    wo_id, ids, pump = pm_order(client, auth, users)
    h = auth("north", "technician")
    assert patch(client, h, wo_id, ids["temp"], {"value": 95}).json["flagged"] is True
    assert patch(client, h, wo_id, ids["temp"], {"value": 95, "note": "hot to touch"}).status_code == 200
    assert patch(client, h, wo_id, ids["temp"], {"value": 50}).json["flagged"] is False
    assert patch(client, h, wo_id, ids["temp"], {"value": 9.5}).json["flagged"] is True
    assert patch(client, h, wo_id, ids["belt"], {"value": "pass"}).json["flagged"] is False
    assert patch(client, h, wo_id, ids["belt"], {"value": "fail"}).json["flagged"] is True
    flagged = events("checklist.item_flagged")
    assert [(e.payload["checklistItem"]["itemId"], e.payload["checklistItem"]["value"]) for e in flagged] == [
        ("temp", 95), ("temp", 9.5), ("belt", "fail")]
    first = flagged[0]
    assert (first.entity, first.entity_id, first.actor_id) == ("checklist_item", ids["temp"],
                                                                users["north"]["technician"].id)
    assert first.payload["workOrderId"] == wo_id and first.payload["equipmentId"] == pump
    assert first.payload["checklistItem"]["min"] == 10 and first.payload["autoFollowUp"] is False
    assert events("work_order.follow_up_created") == []  # no template item asked for it


# --- the follow-up, by a tap ------------------------------------------------------------------

def test_one_tap_creates_the_follow_up_once(client, auth, users):
    wo_id, ids, pump = pm_order(client, auth, users)
    h = auth("north", "technician")
    patch(client, h, wo_id, ids["temp"], {"value": 95.5})
    parent = client.get(f"/api/work-orders/{wo_id}", headers=h).json
    created_before = len(events("work_order.created"))

    r = follow_up(client, h, wo_id, ids["temp"])
    assert r.status_code == 201, r.json
    assert r.json["created"] is True and r.json["parentId"] == wo_id and r.json["itemId"] == ids["temp"]
    fu = r.json["workOrder"]
    assert fu["title"] == "Follow-up: Bearing temperature 95.5 °C (limit 10–80 °C)"
    assert (fu["equipmentId"], fu["parentId"], fu["status"], fu["type"], fu["priority"], fu["assignedTo"]) == (
        pump, wo_id, "new", "corrective", parent["priority"], None)
    assert fu["description"].splitlines() == [
        f"Raised from the checklist of {parent['foNumber']} ({parent['title']}).",
        "Item: Bearing temperature",
        "Reading: 95.5 °C (limit 10–80 °C)",
        f"Parent work order: {parent['foNumber']}, /work-orders/{wo_id}",
    ]
    # Asked again (a double tap, a retry): the same work order, nothing new.
    again = follow_up(client, h, wo_id, ids["temp"])
    assert again.status_code == 200 and again.json["created"] is False and again.json["workOrder"]["id"] == fu["id"]

    item = next(i for i in client.get(f"/api/work-orders/{wo_id}/checklist", headers=h).json if i["itemId"] == "temp")
    assert item["followUpId"] == fu["id"]
    assert [w["id"] for w in client.get(f"/api/work-orders/{wo_id}/follow-ups", headers=h).json] == [fu["id"]]
    assert client.get(f"/api/work-orders/{fu['id']}", headers=h).json["parentId"] == wo_id
    assert client.get(f"/api/work-orders/{wo_id}", headers=h).json["parentId"] is None
    [made] = events("work_order.follow_up_created")
    assert (made.entity_id, made.payload["parentId"], made.payload["automatic"]) == (fu["id"], wo_id, False)
    assert made.payload["checklistItem"]["followUpId"] == fu["id"]
    assert made.payload["workOrder"]["parentId"] == wo_id
    assert len(events("work_order.created")) == created_before + 1
    assert db.session.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.parent_id == wo_id)) == 1


def test_a_fail_makes_its_own_title_and_the_plants_decimal_comma_is_used(client, auth, users):
    assert client.patch("/api/warehouse", json={"decimalMark": ","}, headers=auth("north", "admin")).json[
        "decimalMark"] == ","
    wo_id, ids, _ = pm_order(client, auth, users)
    h = auth("north", "manager")
    patch(client, h, wo_id, ids["belt"], {"value": "fail", "note": "frayed"})
    fu = follow_up(client, h, wo_id, ids["belt"]).json["workOrder"]
    assert fu["title"] == "Follow-up: Belt tension failed"
    assert "Reading: Fail" in fu["description"] and "Note: frayed" in fu["description"]
    patch(client, h, wo_id, ids["temp"], {"value": 95.5})
    assert follow_up(client, h, wo_id, ids["temp"]).json["workOrder"]["title"] == (
        "Follow-up: Bearing temperature 95,5 °C (limit 10–80 °C)")


def test_who_may_create_a_follow_up(client, auth, users):
    wo_id, ids, _ = pm_order(client, auth, users)
    patch(client, auth("north", "technician"), wo_id, ids["temp"], {"value": 95})
    assert follow_up(client, auth("north", "requester"), wo_id, ids["temp"]).status_code == 403
    assert follow_up(client, auth("north", "technician2"), wo_id, ids["temp"]).status_code == 403
    assert follow_up(client, auth("south", "manager"), wo_id, ids["temp"]).status_code == 404
    assert client.get(f"/api/work-orders/{wo_id}/follow-ups", headers=auth("south", "manager")).status_code == 404
    assert follow_up(client, auth("north", "manager"), wo_id, "no-such-item").status_code == 404
    # An item whose reading is fine, or not taken yet, has nothing to follow up.
    r = follow_up(client, auth("north", "technician"), wo_id, ids["belt"])
    assert r.status_code == 409 and r.json["message"] == (
        "Only a reading out of range or a Fail raises a follow-up work order")
    assert events("work_order.follow_up_created") == []
    assert follow_up(client, auth("north", "technician"), wo_id, ids["temp"]).status_code == 201


# --- the follow-up by itself ------------------------------------------------------------------

def test_a_template_item_can_raise_its_follow_up_by_itself_once(client, auth, users):
    checklist = [dict(CHECKLIST[0], autoFollowUp=True), CHECKLIST[1]]
    wo_id, ids, _ = pm_order(client, auth, users, checklist)
    h = auth("north", "technician")
    items = client.get(f"/api/work-orders/{wo_id}/checklist", headers=h).json
    assert [i["autoFollowUp"] for i in items] == [True, False]
    assert patch(client, h, wo_id, ids["temp"], {"value": 50}).json["followUpId"] is None
    first = patch(client, h, wo_id, ids["temp"], {"value": 95}).json
    assert first["flagged"] is True and first["followUpId"]
    # Another bad reading of the same item: a new flagged event, not a second follow-up.
    assert patch(client, h, wo_id, ids["temp"], {"value": 97}).json["followUpId"] == first["followUpId"]
    assert patch(client, h, wo_id, ids["belt"], {"value": "fail"}).json["followUpId"] is None  # not asked for
    assert [e.payload["automatic"] for e in events("work_order.follow_up_created")] == [True]
    assert len(events("checklist.item_flagged")) == 3
    fu = client.get(f"/api/work-orders/{first['followUpId']}", headers=h).json
    assert fu["parentId"] == wo_id and fu["description"].startswith("Raised automatically from the checklist")
    assert follow_up(client, h, wo_id, ids["temp"]).json["created"] is False


def test_auto_follow_up_is_for_items_that_can_be_flagged(client, auth):
    r = client.post("/api/pm-templates", headers=auth("north", "manager"), json={
        "name": "Guards", "frequencyType": "calendar", "frequency": 30,
        "checklist": [{"description": "Guard on", "type": "checkbox", "autoFollowUp": True}]})
    assert r.status_code == 400
    assert r.json["errors"][0]["message"].endswith("autoFollowUp is for measurement and pass/fail items only")


def test_webhooks_subscribe_to_both_events_by_name(app, client, auth, users):
    """The catalogue takes the two names; a subscribed endpoint gets one delivery of each (the
    follow-up's work_order.created goes only to endpoints subscribed to that)."""
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    r = client.post("/api/webhooks", headers=auth("north", "admin"), json={
        "url": "http://127.0.0.1:9/hook", "events": ["checklist.item_flagged", "work_order.follow_up_created"]})
    assert r.status_code == 201, r.json
    wo_id, ids, _ = pm_order(client, auth, users)
    h = auth("north", "technician")
    patch(client, h, wo_id, ids["belt"], {"value": "fail"})
    follow_up(client, h, wo_id, ids["belt"])
    follow_up(client, h, wo_id, ids["belt"])
    db.session.rollback()
    got = db.session.scalars(select(WebhookDelivery.event).where(WebhookDelivery.webhook_id == r.json["id"])
                             .order_by(WebhookDelivery.created_at, WebhookDelivery.event)).all()
    assert sorted(got) == ["checklist.item_flagged", "work_order.follow_up_created"]
