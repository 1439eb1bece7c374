"""Every error a person sees is written for them, never a validator's text.

The walk opens every page of the portal as each role, finds every form on it (posted or a GET
filter), and sends it empty, with wrong-typed values, a negative number and an overlong text, as
an htmx request and as a plain post (following the redirect to its flash); the public report form
and the login form the same without an account. An import with bad cells is read in its report,
its refused-rows CSV and the API's answer. No answer may carry pydantic's phrases.
"""
from __future__ import annotations

import io
import re
from datetime import date
from typing import Literal
from urllib.parse import urlsplit

import factories
import pytest
from bs4 import BeautifulSoup
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel
from sqlalchemy import select

from portal.models import ChecklistItem, ImportJob
from portal.platform.extensions import db
from portal.schemas.common import MoneyIn, UtcDateTime
from portal.schemas.parts import StockMovementCreate
from portal.schemas.pm import PMTemplateCreate
from portal.schemas.warehouse import ProblemReportCreate, WarehouseUpdate
from portal.schemas.webhooks import WebhookCreate
from portal.schemas.work_orders import WorkOrderCreate, WorkOrderUpdate
from portal.services.data_exchange import import_runs
from portal.services.data_exchange import imports as import_service
from portal.services.identity import warehouses as warehouse_service
from portal.services.integrations import webhooks as webhook_service
from portal.services.inventory import parts as parts_service
from portal.services.pm import scheduler as pm_scheduler
from portal.services.pm import templates as pm_templates
from portal.services.work_orders import lifecycle as work_order_service
from portal.services.work_orders import problem_reports
from portal.web.forms import validate_model
from portal.web.login import CodeForm
from web.conftest import csrf_from

# What pydantic writes (its messages, their "Value error, " prefix, its exception's title).
VALIDATOR_PHRASES = ("Field required", "Input should be", "should have at least", "should have at most", "Value error",
                     "Assertion failed", "unable to parse", "validation error", "String should", "List should",
                     "valid integer", "valid number", "valid decimal", "errors.pydantic.dev")
# Posting these ends the walk's own session; the enrolment page needs a login halfway through.
SKIP_ACTIONS = ("/logout",)
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
VARIANTS = {
    "empty": lambda name, value: "",
    "wrong type": lambda name, value: "abc",
    "negative": lambda name, value: "-1",
    "too long": lambda name, value: "x" * 12000,
}


def leaks(text: str) -> list[str]:
    return [p for p in VALIDATOR_PHRASES if p.lower() in text.lower()]


def forms_of(html: str, page: str) -> list[tuple[str, str, bool, list[tuple[str, str, bool]]]]:
    """(method, action, sent by htmx, [(name, value, hidden)]) of every form on a page."""
    found = []
    for form in BeautifulSoup(html, "html.parser").find_all("form"):
        method = (form.get("method") or "get").lower()
        action = form.get("hx-post") or form.get("hx-get") or form.get("action") or page
        htmx = bool(form.get("hx-post") or form.get("hx-get"))
        controls = []
        for control in form.find_all(["input", "select", "textarea"]):
            name = control.get("name")
            kind = (control.get("type") or "").lower()
            if not name or name == "csrf_token" or kind in ("submit", "button", "reset", "file"):
                continue
            if kind in ("checkbox", "radio") and any(n == name for n, _v, _h in controls):
                continue
            value = control.get("value") or ""
            if control.name == "select":
                option = control.find("option", selected=True) or control.find("option")
                value = (option.get("value") or "") if option else ""
            controls.append((name, value, kind == "hidden"))
        found.append((method, action, htmx, controls))
    return found


class Walk:
    def __init__(self, client):
        self.client = client
        self.seen: set = set()
        self.answers = 0
        self.problems: list[str] = []

    def check(self, label: str, resp) -> None:
        self.answers += 1
        text = resp.get_data(as_text=True)
        if resp.status_code >= 500:
            self.problems.append(f"{label}: {resp.status_code}")
        if found := leaks(text):
            self.problems.append(f"{label}: {found}")

    def page(self, path: str) -> None:
        resp = self.client.get(path)
        if resp.status_code != 200:
            return
        html = resp.get_data(as_text=True)
        # A fragment (the asset's report form) has no meta tag: the session's token is the same.
        token = csrf_from(html if 'name="csrf-token"' in html else self.client.get("/").get_data(as_text=True))
        for method, action, htmx, controls in forms_of(html, path):
            if urlsplit(action).path in SKIP_ACTIONS:
                continue
            # One of each form: the same row form of another user or delivery adds nothing.
            key = (method, ID.sub("<id>", urlsplit(action).path), tuple(sorted(n for n, _v, _h in controls)))
            if key in self.seen:
                continue
            self.seen.add(key)
            self.form(method, action, htmx, controls, token)

    def form(self, method: str, action: str, htmx: bool, controls: list, token: str) -> None:
        """Each variant as the browser sends it: by htmx when the form says so, and always as a
        plain submission (what a browser without JavaScript does), its redirect followed."""
        tries = {name: {n: (v if hidden else make(n, v)) for n, v, hidden in controls} for name, make in VARIANTS.items()}
        tries["hidden too"] = {n: "abc" for n, _v, _h in controls}
        for name, data in tries.items():
            label = f"{method.upper()} {action} ({name})"
            if method == "get":
                self.check(label, self.client.get(action, query_string=data, headers={"HX-Request": "true"} if htmx else {}))
                continue
            if htmx:
                self.check(label + " htmx", self.client.post(action, data=data,
                                                             headers={"HX-Request": "true", "X-CSRFToken": token}))
            self.check(label + " plain", self.client.post(action, data={**data, "csrf_token": token},
                                                          follow_redirects=True))


@pytest.fixture
def plant(app, client, users):
    """One of each record a form of the portal acts on, in north."""
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    manager = users.actor("north", "manager")
    admin = users.actor("north", "admin")
    pump = factories.equipment(manager, assetTag="MTR-7")
    part = factories.part(manager, partNumber="BRG-1", stockLevel=12, reorderPoint=10, reorderQuantity=40, autoReorder=True)
    # Below its reorder point through a real movement: the service raises a reorder request.
    parts_service.record_stock_movement(manager, part.id, StockMovementCreate(type="adjustment", quantity=-5))
    template = pm_templates.create_template(manager, PMTemplateCreate.model_validate({
        "name": "Motor PM", "frequencyType": "calendar", "frequency": 30, "leadDays": 30, "equipmentIds": [pump.id],
        "assignedTo": users["north"]["technician"].id, "checklist": [
            {"id": "temp", "description": "Motor temperature", "type": "measurement", "required": True, "unit": "C",
             "min": 10, "max": 80},
            {"id": "guard", "description": "Guard refitted", "type": "checkbox", "required": True}]}))
    [wo_id] = pm_scheduler.schedule_due()["workOrderIds"]
    work_order_service.update_work_order(users.actor("north", "technician"), wo_id,
                                         WorkOrderUpdate(status="in_progress"))
    assert db.session.scalars(select(ChecklistItem).where(ChecklistItem.work_order_id == wo_id)).all()
    other = factories.work_order(manager, title="Leaking valve", equipmentId=pump.id)
    hook = webhook_service.create_webhook(admin, WebhookCreate.model_validate(
        {"url": "http://127.0.0.1:9/hook", "events": ["work_order.created"], "secret": "s" * 32}))
    # Through the requests inbox: one report waits there (its approve, merge and decline forms).
    warehouse_service.update_settings(admin, WarehouseUpdate(problemReportsEnabled=True, requestRouting="inbox"))
    problem_reports.submit_report(pump.report_token, ProblemReportCreate(description="Hums loudly", reporterName="Kim"))
    job = import_service.create_import(manager, "assets", "plant.csv", b"assetTag,model\nFAN-1,AX 9\n", start=False)
    return {"pump": pump, "part": part, "template": template, "wo": wo_id, "other": other.id, "hook": hook, "import": job}


def portal_pages(plant) -> list[str]:
    return ["/", "/work-orders", "/work-orders/new", f"/work-orders/{plant['wo']}", f"/work-orders/{plant['other']}",
            "/assets", "/assets/new", f"/assets/{plant['pump'].id}", f"/assets/{plant['pump'].id}/edit",
            f"/assets/{plant['pump'].id}/report",
            "/parts", "/parts/new", f"/parts/{plant['part'].id}", f"/parts/{plant['part'].id}/edit", "/parts/reorders",
            "/pm-templates", "/pm-templates/new", f"/pm-templates/{plant['template'].id}", "/imports",
            f"/imports/{plant['import'].id}", "/kpis", "/admin/warehouse", "/admin/users", "/admin/webhooks",
            f"/admin/webhooks/{plant['hook'].id}", "/admin/performance", "/work-orders/hold-reasons", "/scan", "/outbox",
            "/requests"]


@pytest.mark.parametrize("role", ["requester", "technician", "manager", "admin"])
def test_no_form_of_the_portal_answers_a_validators_text(client, users, portal_login, plant, role):
    portal_login(users["north"][role])
    walk = Walk(client)
    for path in portal_pages(plant):
        walk.page(path)
    assert walk.problems == [], "\n".join(walk.problems)
    # The walk reached the forms (a page that stopped rendering would pass by posting nothing).
    assert len(walk.seen) >= {"requester": 8, "technician": 18, "manager": 30, "admin": 40}[role], sorted(walk.seen)


def test_the_public_report_and_login_forms_answer_in_words(client, plant):
    walk = Walk(client)
    walk.page(f"/report/{plant['pump'].report_token}")
    walk.page("/login")
    assert {action for _m, action, _n in walk.seen} == {f"/report/{plant['pump'].report_token}", "/login"}
    assert walk.problems == [], "\n".join(walk.problems)
    resp = client.post(f"/report/{plant['pump'].report_token}", data={
        "csrf_token": csrf_from(client.get(f"/report/{plant['pump'].report_token}").get_data(as_text=True))})
    assert resp.status_code == 422 and "Enter what you saw" in resp.get_data(as_text=True)


BAD_CELLS = (
    "assetTag,criticality,status,installDate,model\r\n"
    "PUMP-1,extreme,active,2024-01-01,CR 64\r\n"
    "PUMP-2,high,sleeping,not a date,CR 64\r\n"
    ",high,active,,CR 64\r\n"
    "PUMP-4,high,active,2024-13-45," + "m" * 200 + "\r\n"
)
BAD_PARTS = (
    "partNumber,stockLevel,reorderPoint,reorderQuantity,unitCost,autoReorder\r\n"
    "P-1,many,-3,0,abc,perhaps\r\n"
    "P-2,1.5,99999999999,x,-2,true\r\n"
)


def test_an_import_with_bad_cells_gives_reasons_in_words(client, users, portal_login):
    manager = users.actor("north", "manager")
    portal_login(users["north"]["manager"])
    for kind, text, refused in (("assets", BAD_CELLS, 4), ("parts", BAD_PARTS, 2)):
        job = import_service.create_import(manager, kind, f"{kind}.csv", text.encode(), start=True)
        import_runs.run(job.id)
        db.session.rollback()
        job = db.session.get(ImportJob, job.id)
        assert (job.status, job.refused_count) == ("done", refused)
        reasons = [r.reason for r in import_service.refusals(job)]
        assert len(reasons) == refused and not [r for r in reasons if leaks(r)], reasons
        for path in (f"/imports/{job.id}", f"/imports/{job.id}/refused.csv"):
            resp = client.get(path)
            assert resp.status_code == 200 and leaks(resp.get_data(as_text=True)) == []
        assert len(client.get(f"/imports/{job.id}/refused.csv").get_data(as_text=True).splitlines()) >= refused + 1


def test_an_upload_without_a_file_or_kind_answers_in_words(client, users, portal_login):
    portal_login(users["north"]["manager"])
    token = csrf_from(client.get("/imports").get_data(as_text=True))
    for data in ({}, {"kind": "robots"}, {"kind": "assets", "file": (io.BytesIO(b""), "empty.csv")}):
        resp = client.post("/imports", data={"csrf_token": token, **data}, content_type="multipart/form-data",
                           follow_redirects=True)
        assert resp.status_code < 500 and leaks(resp.get_data(as_text=True)) == []


class Sample(BaseModel):
    """One field per kind of error, the way the API's payloads declare them."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")

    asset_tag: str = Field(min_length=1, max_length=64)
    note: str | None = Field(None, min_length=3, max_length=10000)
    unit_cost: MoneyIn | None = None
    quantity: int | None = Field(None, ge=0, le=1_000_000)
    minutes: int | None = Field(None, gt=0)
    reading: float | None = None
    criticality: Literal["low", "high"] | None = None
    tags: list[str] | None = Field(None, min_length=2)
    active: bool | None = None
    due_date: UtcDateTime | None = None
    install_date: date | None = None
    colour: str | None = Field(None, title="Paint colour", pattern=r"^#[0-9a-f]{6}$")

    @field_validator("note")
    @classmethod
    def _no_shouting(cls, value: str | None) -> str | None:
        if value and value.isupper():
            raise ValueError("Write the note without capitals only")
        return value


@pytest.mark.parametrize(("data", "field", "message"), [
    ({}, "assetTag", "Asset tag is required"),
    ({"assetTag": ""}, "assetTag", "Asset tag is required"),
    ({"assetTag": "A" * 65}, "assetTag", "Asset tag must be at most 64 characters"),
    ({"note": "ab"}, "note", "Note must be at least 3 characters"),
    ({"note": "LOUD NOTE"}, "note", "Write the note without capitals only"),
    ({"unitCost": "-2"}, "unitCost", "Unit cost cannot be negative"),
    ({"unitCost": "abc"}, "unitCost", "Unit cost must be an amount such as 12.50"),
    ({"quantity": "-1"}, "quantity", "Quantity cannot be negative"),
    ({"quantity": "2000000"}, "quantity", "Quantity must be 1,000,000 or less"),
    ({"quantity": "many"}, "quantity", "Quantity must be a whole number"),
    ({"minutes": "0"}, "minutes", "Minutes must be more than 0"),
    ({"reading": "x"}, "reading", "Reading must be a number"),
    ({"criticality": "extreme"}, "criticality", "Criticality must be one of: low, high"),
    ({"tags": ["a"]}, "tags", "Tags needs at least 2"),
    ({"active": "perhaps"}, "active", "Active must be yes or no (true or false)"),
    ({"dueDate": "soon"}, "dueDate", "Due date must be a date between 1900-01-01 and 2999-12-31, such as 2026-12-01"),
    ({"installDate": "2024-13-45"}, "installDate",
     "Install date must be a date between 1900-01-01 and 2999-12-31, such as 2026-12-01"),
    ({"colour": "red"}, "colour", "Paint colour is not in the expected form"),
    ({"shade": "red"}, "shade", "Shade cannot be set here"),
])
def test_each_kind_of_error_has_its_sentence(data, field, message):
    errors = validate_model(Sample, {**({} if field == "assetTag" else {"assetTag": "PMP-1"}), **data})
    assert errors[field] == message
    assert leaks(message) == []


def test_an_override_names_one_field_of_one_schema_and_the_api_keeps_its_words(client, auth):
    assert validate_model(ProblemReportCreate, {"reporterName": "Alex"}) == {"description": "Enter what you saw"}
    assert validate_model(ProblemReportCreate, {"reporterName": "Alex", "description": "   "}) == {
        "description": "Enter what you saw"}
    assert validate_model(WorkOrderCreate, {"description": "x"}) == {"title": "Enter a title"}
    assert validate_model(WebhookCreate, {"url": "https://hooks.example.com/x", "events": []}) == {
        "events": "Choose at least one event"}
    assert validate_model(CodeForm, {"code": "12ab"}) == {"code": "Enter the 6-digit code from your authenticator app"}
    # The API answers in the contract's format with its own messages, unchanged.
    r = client.post("/api/work-orders", json={"description": "x"}, headers=auth("north", "manager"))
    assert r.status_code == 400 and r.json["errors"] == [{"field": "title", "message": "Field required"}]
