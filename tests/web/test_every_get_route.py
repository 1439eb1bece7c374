"""Issue 22, item 7: no portal URL answers a 5xx when it is opened directly (a bookmark, a pasted
link, a new tab), that is as a plain GET without htmx, whoever opens it.

The routes come from app.url_map, not from a list kept by hand: a route added later is opened
too. Each URL parameter gets a sample from a small plant (an asset, a part, a work order, a PM
template, a webhook, an import); a parameter this test does not know gets a made-up id (a 404 is
fine, a 500 is not).
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import Equipment
from portal.platform.extensions import db
from portal.schemas.pm import PMTemplateCreate
from portal.schemas.webhooks import WebhookCreate
from portal.services.data_exchange import imports as import_service
from portal.services.integrations import webhooks as webhook_service
from portal.services.pm import templates as pm_service
from tests import factories

PARAMETER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")
UNKNOWN = "00000000-0000-4000-8000-000000000000"
# Query strings a route reads when opened from its page; the bare URL is opened as well.
WITH_QUERY = {
    "web.pm_template_preview": "?frequencyType=calendar&frequency=7",
    "web.scan_open": "?code=PUMP-0001",
}


@pytest.fixture
def plant(users) -> dict[str, str]:
    """One of each record a portal URL names, in the north warehouse."""
    manager, admin = users.actor("north", "manager"), users.actor("north", "admin")
    pump = factories.equipment(manager)
    part = factories.part(manager)
    wo = factories.work_order(manager, equipmentId=pump.id)
    template = pm_service.create_template(manager, PMTemplateCreate.model_validate({
        "name": "Monthly pump check", "frequencyType": "calendar", "frequency": 30, "equipmentIds": [pump.id]}))
    hook = webhook_service.create_webhook(admin, WebhookCreate.model_validate(
        {"url": "https://erp.example.com/hooks/maintainpro", "events": ["*"]}))
    job = import_service.create_import(manager, "assets", "a.csv", b"assetTag\nA-1\n", start=False)
    token = db.session.scalar(select(Equipment.report_token).where(Equipment.id == pump.id))
    return {"equipment_id": pump.id, "part_id": part.id, "work_order_id": wo.id, "template_id": template.id,
            "webhook_id": hook.id, "import_id": job.id, "token": token, "filename": "css/base.css"}


def get_urls(app, plant: dict[str, str]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/api"):
            continue
        values = {}
        # <converter(args):name> as written in the rule: any(...) takes its first choice.
        for converter, args, name in PARAMETER.findall(rule.rule):
            if converter == "any":
                values[name] = args.split(",")[0].strip().strip("'\"")
            elif converter == "path":
                values[name] = plant["filename"]
            else:
                values[name] = plant.get(name, UNKNOWN)
        path = rule.build(values, append_unknown=False)[1]
        urls.append(path)
        if rule.endpoint in WITH_QUERY:
            urls.append(path + WITH_QUERY[rule.endpoint])
    return sorted(set(urls))


@pytest.mark.parametrize("role", ["manager", "technician", "admin", None])
def test_every_get_route_opened_directly_answers_without_a_server_error(app, client, users, portal_login, plant,
                                                                        role):
    if role:
        portal_login(users["north"][role])
    urls = get_urls(app, plant)
    assert len(urls) > 40 and "/kpis" in urls
    failures = {}
    for url in urls:
        resp = client.get(url)
        if resp.status_code >= 500:
            failures[url] = resp.status_code
        db.session.rollback()  # what one request left in the shared test session stays out of the next
    assert failures == {}, f"as {role or 'a visitor'}"


def test_the_pm_preview_opened_directly_goes_to_its_editor(client, users, portal_login, plant):
    """It is a fragment of the editor (a 500 when opened directly, issue 22): the editor it belongs to."""
    portal_login(users["north"]["manager"])
    resp = client.get("/pm-templates/preview?frequency=7")
    assert resp.status_code == 302 and resp.headers["Location"] == "/pm-templates/new"
    resp = client.get(f"/pm-templates/preview?frequency=7&templateId={plant['template_id']}")
    assert resp.status_code == 302 and resp.headers["Location"] == f"/pm-templates/{plant['template_id']}"
    fragment = client.get("/pm-templates/preview?frequencyType=calendar&frequency=7", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'id="pm-preview"' in fragment.get_data(as_text=True)
