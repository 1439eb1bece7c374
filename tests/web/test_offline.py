"""The offline app's server side (portal/web/offline.py): the manifest, the service worker at the
root with its version, the token a replay fetches first, the pages a device keeps, and a replay with
a fresh CSRF token getting the first answer (the token is not part of the request's fingerprint)."""
from __future__ import annotations

import json

import factories
from sqlalchemy import func, select

from portal.models import WorkOrderComment
from portal.platform.extensions import db
from web.conftest import csrf_from


def test_manifest_and_worker_are_served_from_our_origin(client, app):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.mimetype == "application/manifest+json"
    body = manifest.json
    assert (body["start_url"], body["display"], body["scope"]) == ("/", "standalone", "/")
    assert {icon["sizes"] for icon in body["icons"]} >= {"192x192", "512x512"}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200

    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/" and worker.headers["Cache-Control"] == "no-cache"
    assert "connect-src 'self'" in worker.headers["Content-Security-Policy"]
    code = worker.get_data(as_text=True)
    first_line = code.split("\n", 1)[0]
    assert first_line.startswith("self.MAINTAINPRO = ") and '"version": "' in first_line
    # The shell's URLs carry the static files' fingerprints: a changed file is a changed worker.
    assert "/static/js/offline.js?v=" in first_line and "/static/css/base.css?v=" in first_line
    assert client.get("/sw.js").get_data() == worker.get_data()


def test_pages_allow_the_worker_and_the_manifest(client, users, portal_login):
    portal_login(users["north"]["technician"])
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp
    html = page.get_data(as_text=True)
    assert 'rel="manifest"' in html and 'id="outbox-count"' in html and 'href="/outbox"' in html


def test_outbox_token_and_kept_pages(client, users, portal_login):
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    mine = factories.work_order(manager, assignedTo=tech.id)
    factories.work_order(manager, assignedTo=users["north"]["technician2"].id)
    assert client.get("/outbox/token").status_code == 302  # logged out: to the login
    portal_login(tech)
    token = client.get("/outbox/token")
    assert token.json["user"] == tech.id and token.json["csrfToken"]
    assert token.headers["Cache-Control"] == "no-store"
    keep = client.get("/offline/keep").json
    assert keep["pages"] == ["/", "/outbox", f"/work-orders/{mine.id}"]
    assert "Outbox" in client.get("/outbox").get_data(as_text=True)


def test_the_part_catalogue_for_the_device_lists_in_stock_first(client, users, portal_login):
    manager = users.actor("north", "manager")
    factories.part(manager, partNumber="B-200", description="Bearing 6205", stockLevel=0)
    factories.part(manager, partNumber="Z-900", description="Zip ties", stockLevel=40)
    factories.part(manager, partNumber="A-100", description="V-belt", stockLevel=3, supplier="Optibelt")
    factories.part(users.actor("south", "manager"), partNumber="S-1", stockLevel=5)  # another warehouse's
    assert client.get("/offline/parts").status_code == 302
    portal_login(users["north"]["technician"])
    got = client.get("/offline/parts")
    assert got.status_code == 200 and got.json["at"]
    assert [(p["partNumber"], p["stockLevel"], p["supplier"]) for p in got.json["parts"]] == [
        ("A-100", 3, "Optibelt"), ("Z-900", 40, "SKF Industrial"), ("B-200", 0, "SKF Industrial")]
    assert set(got.json["parts"][0]) == {"id", "partNumber", "description", "supplier", "stockLevel"}


def test_the_worker_names_its_keeping_rule_and_changes_with_a_release(client, app):
    first = client.get("/sw.js").get_data(as_text=True).split("\n", 1)[0]
    config = json.loads(first.removeprefix("self.MAINTAINPRO = ").removesuffix(";"))
    assert config["keepRule"].startswith("/static/js/device_keep.js?v=")
    assert config["pages"]["parts"] == "/offline/parts" and config["recentDays"] == 7 and config["deviceBytes"] == 0
    app.config["RELEASE"] = "2026.12.2"
    again = json.loads(client.get("/sw.js").get_data(as_text=True).split("\n", 1)[0]
                       .removeprefix("self.MAINTAINPRO = ").removesuffix(";"))
    assert again["version"] != config["version"] and again["shell"] == config["shell"]


def test_a_replay_with_a_fresh_csrf_token_gets_the_first_answer(client, users, portal_login):
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    wo = factories.work_order(manager, assignedTo=tech.id)
    portal_login(tech)
    token = csrf_from(client.get(f"/work-orders/{wo.id}").get_data(as_text=True))
    h = {"Idempotency-Key": "dev-0001", "HX-Request": "true", "X-CSRFToken": token}
    first = client.post(f"/work-orders/{wo.id}/comments", data={"body": "Gland tightened"}, headers=h)
    again = client.post(f"/work-orders/{wo.id}/comments", data={"body": "Gland tightened", "csrf_token": token}, headers=h)
    assert first.status_code == 200 and again.headers.get("Idempotency-Replayed") == "true"
    assert db.session.scalar(select(func.count()).select_from(WorkOrderComment)) == 1
