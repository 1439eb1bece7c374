"""Issue 7 items 2, 7, 8, 13 and "the OpenAPI document says exactly what the server does":
bounded numbers and dates, strict JSON types, NaN refused, periodic jobs that isolate a bad row,
and the document agreeing with the server."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import factories
import pytest
from sqlalchemy import func, select, update

from portal.jobs import load_all
from portal.jobs.registry import PERIODIC_JOBS
from portal.models import DomainEvent, PMTemplate, WorkOrder
from portal.models.enums import PRIORITY, WORK_ORDER_STATUS
from portal.platform.extensions import db
from portal.schemas.pm import PMTemplateCreate
from portal.schemas.work_orders import WorkOrderCreate
from portal.services.pm import scheduler as pm_scheduler
from portal.services.pm import templates as pm_templates

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def assert_400_on(r, field: str) -> None:
    assert r.status_code == 400, r.get_data(as_text=True)
    assert field in [e["field"] for e in r.json["errors"]], r.json


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


# --- item 2: bounds, validated before anything is written -------------------------------------

@pytest.mark.parametrize("fields, field", [
    ({"frequency": 3_000_000}, "frequency"),
    ({"frequency": 1_000_000_000}, "frequency"),
    ({"frequency": 36_501}, "frequency"),
    ({"startDate": "9999-12-31T00:00:00Z"}, "startDate"),
    ({"startDate": "3000-01-01T00:00:00Z"}, "startDate"),
    ({"estimatedDuration": 100_001}, "estimatedDuration"),
    ({"leadDays": 366}, "leadDays"),
    ({"checklist": [{"description": "Vibration", "type": "measurement", "max": 1e300}]}, "checklist[0].max"),
])
def test_out_of_range_pm_template_is_a_400_and_nothing_is_written(client, auth, fields, field):
    body = {"name": "Motor check", "frequencyType": "calendar", "frequency": 30, **fields}
    r = client.post("/api/pm-templates", json=body, headers=auth("north", "manager"))
    assert_400_on(r, field)
    assert count(PMTemplate) == 0


def test_calendar_frequency_bound_holds_on_patch_and_on_switching_type(client, auth):
    h = auth("north", "manager")
    meter = client.post("/api/pm-templates", headers=h, json={
        "name": "Gearbox oil", "frequencyType": "meter", "meter": "hours", "frequency": 500_000}).json
    assert meter["frequency"] == 500_000  # meter units may go higher than a calendar's days
    r = client.patch(f"/api/pm-templates/{meter['id']}", headers=h, json={"frequencyType": "calendar"})
    assert_400_on(r, "frequency")
    r = client.get(f"/api/pm-templates/{meter['id']}", headers=h)
    assert r.status_code == 200 and r.json["frequencyType"] == "meter"
    r = client.post("/api/pm-templates", headers=h, json={"name": "Yearly", "frequencyType": "calendar",
                                                          "frequency": 36_500})
    assert r.status_code == 201
    assert_400_on(client.patch(f"/api/pm-templates/{r.json['id']}", headers=h, json={"frequency": 36_501}),
                  "frequency")


# --- item 2: every periodic job isolates its rows ---------------------------------------------

def test_a_corrupt_pm_template_in_one_warehouse_does_not_stop_another_warehouses_pm(app, users, caplog):
    load_all()
    north, south = users.actor("north", "manager"), users.actor("south", "manager")
    bad = pm_templates.create_template(north, PMTemplateCreate.model_validate({
        "name": "Broken", "frequencyType": "calendar", "frequency": 30,
        "startDate": NOW - timedelta(days=30), "equipmentIds": [factories.equipment(north).id]}), now=NOW)
    good = pm_templates.create_template(south, PMTemplateCreate.model_validate({
        "name": "Monthly", "frequencyType": "calendar", "frequency": 30,
        "startDate": NOW - timedelta(days=30), "equipmentIds": [factories.equipment(south).id]}), now=NOW)
    # Written around the API (an old version, a manual fix): 1e9 days overflows any date.
    db.session.execute(update(PMTemplate).where(PMTemplate.id == bad.id).values(frequency=1_000_000_000))
    db.session.commit()

    result = PERIODIC_JOBS["pm-schedule"].func(NOW)

    assert result["failed"] == 1 and result["created"] == 1
    assert db.session.scalars(select(WorkOrder.warehouse_id).where(WorkOrder.pm_template_id == good.id)).all() \
        == [south.warehouse_id]
    assert bad.id in caplog.text


def _overdue_pm(actor, template_name: str) -> WorkOrder:
    template = pm_templates.create_template(actor, PMTemplateCreate.model_validate({
        "name": template_name, "frequencyType": "calendar", "frequency": 7,
        "startDate": NOW - timedelta(days=20), "equipmentIds": [factories.equipment(actor).id]}),
        now=NOW - timedelta(days=20))
    pm_scheduler.schedule_due(NOW - timedelta(days=14), template_id=template.id)
    return db.session.scalars(select(WorkOrder).where(WorkOrder.pm_template_id == template.id)).one()


def test_pm_overdue_isolates_a_corrupt_work_order(app, users, caplog):
    load_all()
    bad = _overdue_pm(users.actor("north", "manager"), "Broken")
    good = _overdue_pm(users.actor("south", "manager"), "Weekly")
    db.session.execute(update(WorkOrder).where(WorkOrder.id == bad.id).values(priority="urgent!"))
    db.session.commit()

    result = PERIODIC_JOBS["pm-overdue"].func(NOW)

    assert result == {"notified": 1, "candidates": 2, "failed": 1}
    notified = db.session.scalars(select(DomainEvent.entity_id).where(DomainEvent.event == "pm.overdue")).all()
    assert notified == [good.id]
    assert bad.id in caplog.text


def test_escalation_isolates_a_corrupt_work_order(app, users, caplog):
    load_all()
    bad = factories.work_order(users.actor("north", "manager"), priority="high",
                               dueDate=NOW - timedelta(days=2), now=NOW - timedelta(days=3))
    good = factories.work_order(users.actor("south", "manager"), priority="high",
                                dueDate=NOW - timedelta(days=1), now=NOW - timedelta(days=3))
    db.session.execute(update(WorkOrder).where(WorkOrder.id == bad.id).values(type="bogus"))
    db.session.commit()

    result = PERIODIC_JOBS["escalate"].func(NOW)

    assert result == {"overdue": 2, "escalated": 1, "failed": 1}
    escalated = db.session.scalars(select(DomainEvent.entity_id)
                                   .where(DomainEvent.event == "work_order.escalated")).all()
    assert escalated == [good.id]
    assert bad.id in caplog.text


def test_every_periodic_job_reports_failures(app, users):
    load_all()
    for name in ("pm-schedule", "pm-overdue", "escalate", "low-stock"):
        assert PERIODIC_JOBS[name].func(NOW)["failed"] == 0, name


# --- items 7 and 8: no NaN, strict JSON types, sane dates --------------------------------------

@pytest.mark.parametrize("raw, field", [
    ('{"name": "T", "frequencyType": "calendar", "frequency": 30, "checklist": '
     '[{"description": "d", "type": "measurement", "min": NaN}]}', "checklist[0].min"),
    ('{"name": "T", "frequencyType": "calendar", "frequency": 30, "checklist": '
     '[{"description": "d", "type": "measurement", "max": Infinity}]}', "checklist[0].max"),
    ('{"name": "T", "frequencyType": "calendar", "frequency": true}', "frequency"),
    ('{"name": "T", "frequencyType": "calendar", "frequency": "30"}', "frequency"),
    ('{"name": "T", "frequencyType": "calendar", "frequency": 30.5}', "frequency"),
    ('{"name": 12, "frequencyType": "calendar", "frequency": 30}', "name"),
])
def test_pm_template_body_types_are_strict(client, auth, raw, field):
    r = client.post("/api/pm-templates", data=raw, content_type="application/json",
                    headers=auth("north", "manager"))
    assert_400_on(r, field)
    assert count(PMTemplate) == 0


def test_nan_in_a_measurement_is_refused_and_lists_stay_valid_json(client, auth):
    h = auth("north", "manager")
    r = client.post("/api/equipment/x/meter-readings", data='{"meter": "hours", "value": NaN}',
                    content_type="application/json", headers=h)
    assert r.status_code in (400, 404)
    pump = client.post("/api/equipment", json={"assetTag": "P-1"}, headers=h).json
    r = client.post(f"/api/equipment/{pump['id']}/meter-readings", data='{"meter": "hours", "value": -Infinity}',
                    content_type="application/json", headers=h)
    assert_400_on(r, "value")
    listing = client.get("/api/pm-templates", headers=h)
    json.loads(listing.get_data(as_text=True), parse_constant=lambda c: pytest.fail(f"{c} in a response"))


@pytest.mark.parametrize("body, field", [
    ({"title": "x", "dueDate": 0}, "dueDate"),
    ({"title": "x", "dueDate": 1737363600}, "dueDate"),
    ({"title": "x", "dueDate": "0999-01-01T00:00:00Z"}, "dueDate"),
    ({"title": "x", "dueDate": "1-01-01T00:00:00Z"}, "dueDate"),
    ({"title": "x", "dueDate": "10000-01-01T00:00:00Z"}, "dueDate"),
    ({"title": "x", "dueDate": True}, "dueDate"),
    ({"title": 5}, "title"),
    ({"title": " " + "x" * 200}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x", "priority": 1}, "priority"),
])
def test_work_order_body_types_and_dates_are_strict(client, auth, body, field):
    assert_400_on(client.post("/api/work-orders", json=body, headers=auth("north", "manager")), field)
    assert count(WorkOrder) == 0


def test_dates_in_range_are_printed_with_four_digit_years(client, auth):
    r = client.post("/api/work-orders", json={"title": "  Old pump  ", "dueDate": "1900-01-01T00:00:00Z"},
                    headers=auth("north", "manager"))
    assert r.status_code == 201, r.json
    assert r.json["dueDate"] == "1900-01-01T00:00:00.000Z" and r.json["title"] == "Old pump"


@pytest.mark.parametrize("path, body, field", [
    ("/api/parts", {"partNumber": "B-1", "autoReorder": 0}, "autoReorder"),
    ("/api/parts", {"partNumber": "B-1", "stockLevel": "5"}, "stockLevel"),
    ("/api/parts", {"partNumber": "B-1", "stockLevel": True}, "stockLevel"),
    ("/api/parts", {"partNumber": "B-1", "unitCost": True}, "unitCost"),
    ("/api/parts", {"partNumber": "B-1", "unitCost": "12.505"}, "unitCost"),
    ("/api/parts", {"partNumber": "B-1", "unitCost": "x12.50"}, "unitCost"),
    ("/api/parts", {"partNumber": "B-1", "unitCost": "12.50x"}, "unitCost"),
    ("/api/parts", {"partNumber": "B-1", "unitCost": 1e11}, "unitCost"),
    ("/api/parts", {"partNumber": "B-1", "unitCost": -1}, "unitCost"),
    ("/api/equipment", {"assetTag": "P-1", "installDate": 0}, "installDate"),
    ("/api/webhooks", {"url": "https://hooks.example.com/x", "events": ["*"], "active": 0.0}, "active"),
])
def test_create_bodies_are_strict(client, auth, path, body, field):
    assert_400_on(client.post(path, json=body, headers=auth("north", "admin")), field)


@pytest.mark.parametrize("cost, stored", [("12.50", "12.50"), (12.5, "12.50"), (7, "7.00"),
                                          ("9999999999.99", "9999999999.99")])
def test_money_is_a_decimal_string_or_a_number(client, auth, cost, stored):
    r = client.post("/api/parts", json={"partNumber": "B-1", "unitCost": cost}, headers=auth("north", "manager"))
    assert r.status_code == 201, r.json
    assert r.json["unitCost"] == stored


def test_consume_quantities_are_json_integers(client, auth, users):
    manager = users.actor("north", "manager")
    part = factories.part(manager)
    wo = factories.work_order(manager)
    h = auth("north", "manager")
    for quantity in (True, "2", 1.5):
        r = client.post("/api/parts/consume", headers=h, json={
            "workOrderId": wo.id, "partsUsage": [{"partId": part.id, "quantityUsed": quantity}]})
        assert_400_on(r, "partsUsage[0].quantityUsed")
    db.session.expire_all()
    assert client.get(f"/api/parts/{part.id}", headers=h).json["stockLevel"] == 45


def test_checklist_done_and_meter_read_at_are_strict(client, auth, users):
    manager = users.actor("north", "manager")
    h = auth("north", "manager")
    pump = factories.equipment(manager)
    r = client.post(f"/api/equipment/{pump.id}/meter-readings", headers=h,
                    json={"meter": "hours", "value": 5, "readAt": -513})
    assert_400_on(r, "readAt")
    template = client.post("/api/pm-templates", headers=h, json={
        "name": "Check", "frequencyType": "calendar", "frequency": 7, "equipmentIds": [pump.id],
        "startDate": (NOW - timedelta(days=7)).isoformat(),
        "checklist": [{"id": "a", "description": "Clean", "type": "checkbox"}]}).json
    pm_scheduler.schedule_due(template_id=template["id"])
    wo_id = db.session.scalars(select(WorkOrder.id).where(WorkOrder.pm_template_id == template["id"])).one()
    item = client.get(f"/api/work-orders/{wo_id}/checklist", headers=h).json[0]
    r = client.patch(f"/api/work-orders/{wo_id}/checklist/{item['id']}", headers=h, json={"done": 0})
    assert_400_on(r, "done")
    r = client.patch(f"/api/work-orders/{wo_id}/checklist/{item['id']}", headers=h, json={"done": True})
    assert r.status_code == 200 and r.json["done"] is True


@pytest.mark.parametrize("query, field", [
    ("dueBefore=0.5", "dueBefore"), ("dueBefore=0", "dueBefore"), ("dueAfter=1737363600", "dueAfter"),
    ("dueBefore=0999-01-01", "dueBefore"), ("limit=1.5", "limit"), ("limit=NaN", "limit"),
    ("q=" + "x" * 201, "q"),
])
def test_query_parameters_are_parsed_not_coerced(client, auth, query, field):
    assert_400_on(client.get(f"/api/work-orders?{query}", headers=auth("north", "manager")), field)


def test_query_dates_still_parse(client, auth):
    r = client.get("/api/work-orders?dueBefore=2026-01-31&dueAfter=2025-01-01T00:00:00Z&limit=5",
                   headers=auth("north", "manager"))
    assert r.status_code == 200


def test_an_integral_json_number_is_an_integer_as_json_schema_says(client, auth):
    r = client.post("/api/pm-templates", data='{"name": "T", "frequencyType": "calendar", "frequency": 30.0}',
                    content_type="application/json", headers=auth("north", "manager"))
    assert r.status_code == 201 and r.json["frequency"] == 30


def test_internal_callers_still_pass_datetimes():
    body = WorkOrderCreate.model_validate({"title": "PM", "dueDate": NOW})
    assert body.due_date == NOW


# --- webhook URLs ------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://ex ample.com/", "http://%41.test/", "http://" + "a" * 64 + ".test/", "http://a..test/",
    "http://.test/", "http://-bad.test/", "http://bad-.test/", "http://under_score.test/",
    "ftp://files.example.com/", "http:///path-only", "https://bücher.example/hook", "http://user:pw@example.com/",
    "http://example.com:65536/", "http://example.com/a b", "http://" + ".".join(["a" * 63] * 4) + "/",
])
def test_webhook_urls_that_are_not_host_names_are_refused(client, auth, url):
    h = auth("north", "admin")
    assert_400_on(client.post("/api/webhooks", json={"url": url, "events": ["*"]}, headers=h), "url")
    ok = client.post("/api/webhooks", json={"url": "https://hooks.example.com/in", "events": ["*"]}, headers=h)
    assert ok.status_code == 201, ok.json
    assert_400_on(client.patch(f"/api/webhooks/{ok.json['id']}", json={"url": url}, headers=h), "url")


@pytest.mark.parametrize("url", ["https://hooks.example.com/x?y=1", "http://" + "a" * 63 + ".example.com/",
                                 "https://xn--bcher-kva.example/hook", "https://hooks.example.com./x",
                                 "HTTPS://Hooks.Example.com:8443/in#frag"])
def test_webhook_urls_with_valid_host_names_are_accepted(client, auth, url):
    r = client.post("/api/webhooks", json={"url": url, "events": ["*"]}, headers=auth("north", "admin"))
    assert r.status_code == 201, r.json


# --- item 13 and the OpenAPI document ------------------------------------------------------------

def spec_of(client) -> dict:
    return client.get("/api/openapi.json").json


def test_pm_compliance_is_readable_by_every_role_in_code_docs_and_readme(client, auth):
    spec = spec_of(client)
    assert "Roles: admin, manager, requester, technician." in spec["paths"]["/api/pm-compliance"]["get"]["description"]
    for role in ("admin", "manager", "technician", "requester"):
        assert client.get("/api/pm-compliance", headers=auth("north", role)).status_code == 200
    with open("README.md", encoding="utf-8") as readme:
        text = readme.read()
    assert "| read work orders, equipment, parts, PM templates, PM compliance | ✓ | ✓ | ✓ | ✓ |" in text


def test_delete_pm_template_documents_its_204(client):
    responses = spec_of(client)["paths"]["/api/pm-templates/{template_id}"]["delete"]["responses"]
    assert {"200", "204"} <= set(responses)


def _props(spec: dict, name: str) -> dict:
    return spec["components"]["schemas"][name]["properties"]


def _nullable(prop: dict) -> bool:
    return prop.get("type") == "null" or any(b.get("type") == "null" for b in prop.get("anyOf", []))


@pytest.mark.parametrize("model, field", [
    ("EquipmentUpdate", "assetTag"), ("EquipmentUpdate", "status"), ("PartUpdate", "partNumber"),
    ("PartUpdate", "autoReorder"), ("PartUpdate", "unitCost"), ("PMTemplateUpdate", "name"),
    ("PMTemplateUpdate", "frequency"), ("PMTemplateUpdate", "active"), ("WebhookUpdate", "url"),
    ("WorkOrderUpdate", "title"), ("WorkOrderUpdate", "status"), ("ChecklistItemUpdate", "done"),
])
def test_patch_fields_the_server_refuses_null_for_are_not_nullable_in_the_document(client, auth, model, field):
    prop = _props(spec_of(client), model)[field]
    assert not _nullable(prop) and "default" not in prop


@pytest.mark.parametrize("model, field", [
    ("WorkOrderUpdate", "description"), ("WorkOrderUpdate", "assignedTo"), ("EquipmentUpdate", "model"),
])
def test_patch_fields_that_accept_null_stay_nullable(client, model, field):
    assert _nullable(_props(spec_of(client), model)[field])


def test_money_and_dates_are_documented_as_the_server_checks_them(client):
    spec = spec_of(client)
    cost = _props(spec, "PartCreate")["unitCost"]
    number, text = cost["anyOf"]
    assert number == {"type": "number", "minimum": 0, "maximum": 9999999999.99, "multipleOf": 0.01}
    assert text["pattern"].startswith("^") and text["pattern"].endswith("$")
    due = _props(spec, "WorkOrderCreate")["dueDate"]
    branch = next(b for b in due["anyOf"] if b.get("type") == "string")
    assert branch["format"] == "date-time" and "1900-01-01" in branch["description"]
    frequency = _props(spec, "PMTemplateCreate")["frequency"]
    assert frequency["maximum"] == 1_000_000 and "36500" in frequency["description"]


def test_one_definition_per_enum_is_used_by_models_and_schemas(client):
    spec = spec_of(client)
    assert _props(spec, "WorkOrderOut")["status"]["enum"] == list(WORK_ORDER_STATUS.values)
    assert _props(spec, "PMTemplateOut")["priority"]["enum"] == list(PRIORITY.values)
    assert WORK_ORDER_STATUS.label("in_progress") == "In progress"
    assert ("on_hold", "On hold") in WORK_ORDER_STATUS.options


def test_webhook_events_and_secret_rules_are_in_the_document(client):
    spec = spec_of(client)
    events = _props(spec, "WebhookCreate")["events"]
    assert events["items"]["enum"][0] == "*" and "work_order.created" in events["items"]["enum"]
    update = spec["components"]["schemas"]["WebhookUpdate"]
    assert update["then"] == {"properties": {"secret": {"type": "null"}}}


def test_checklist_measurement_rule_is_in_the_document(client):
    item = spec_of(client)["components"]["schemas"]["ChecklistItemIn"]
    assert item["if"]["properties"]["type"] == {"const": "measurement"}
    assert item["else"]["properties"]["unit"] == {"type": "null"}
