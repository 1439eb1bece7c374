"""The portal as an installable app that works without a network (docs/portal.md, "Offline").

- /manifest.webmanifest: name, icons, start at My work, standalone.
- /sw.js: the service worker (static/sw.js), served at the root so its scope is the whole portal.
  Its first line names the version (a digest of every static file's fingerprint) and the shell's
  fingerprinted URLs, so any change of a static file changes the worker's bytes: the browser
  installs the new worker, which takes over on the next load (static/sw.js says how).
- /outbox: the page listing what the device still has to send (static/js/offline.js fills it from
  IndexedDB: the queue never leaves the device until it is sent).
- /outbox/token: a fresh CSRF token before a replay (and who is logged in: a queue is replayed
  only by the user who made it).
- /offline/keep: the pages the device keeps for reading offline.
- /offline/parts: the part catalogue the picker needs offline (in stock first), kept on the device.
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime

from flask import current_app, jsonify, request, url_for
from flask.wrappers import Response
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from portal.services.common.actor import Actor
from portal.services.inventory import parts as parts_service
from portal.services.work_orders.my_work import kept_on_device
from portal.web.blueprint import web
from portal.web.rendering import render

# When the technician did it, by the device's clock (static/js/offline.js sets it on the first try of
# every write, and a queued copy keeps it); the services bound it (work_orders/device_time.py).
DEVICE_TIME_HEADER = "Device-Time"

# What every page loads: cached when the worker installs (the rest on first use).
SHELL_FILES = ("css/base.css", "css/components.css", "css/areas.css", "vendor/htmx-2.0.11.min.js",
               "vendor/idiomorph-ext-0.8.0.min.js", "js/portal.js", "js/offline.js", "js/device_keep.js", "favicon.svg",
               "icons/icon-192.png", "icons/icon-512.png")
WORKER_FILE = "sw.js"
# The worker governs itself by its own response's CSP: it fetches and imports from our origin only.
WORKER_CSP = "default-src 'self'; script-src 'self'; connect-src 'self'"


def shell_urls() -> list[str]:
    return [url_for("static", filename=name) for name in SHELL_FILES]


@web.get("/manifest.webmanifest")
def web_manifest() -> Response:
    body = {
        "name": "MaintainPro",
        "short_name": "MaintainPro",
        "description": "Work orders, checklists and parts for the plant's maintenance team",
        "start_url": url_for("web.my_work"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d2733",
        "icons": [
            {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": url_for("static", filename="favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    resp = current_app.response_class(json.dumps(body), mimetype="application/manifest+json")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@web.get("/sw.js")
def service_worker() -> Response:
    folder = current_app.static_folder or ""
    with open(os.path.join(folder, WORKER_FILE), encoding="utf-8") as file:
        code = file.read()
    shell = shell_urls()
    # The worker's own code is part of the version: a new worker is a new version too.
    release = current_app.config.get("RELEASE", "")
    version = hashlib.sha256("\n".join([*shell, code, release]).encode()).hexdigest()[:12]
    config = {"version": version, "shell": shell, "offlineScript": url_for("static", filename="js/offline.js"),
              "keepRule": url_for("static", filename="js/device_keep.js"),
              "pages": {"keep": url_for("web.offline_keep"), "parts": url_for("web.offline_parts")},
              "recentDays": current_app.config["OFFLINE_RECENT_DAYS"],
              "deviceBytes": current_app.config["OFFLINE_DEVICE_BYTES"]}
    body = f"self.MAINTAINPRO = {json.dumps(config)};\n{code}"
    resp = current_app.response_class(body, mimetype="text/javascript")
    # Asked again on every navigation (no-cache), so a release reaches the device on its next load.
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Service-Worker-Allowed"] = "/"
    resp.headers["Content-Security-Policy"] = WORKER_CSP
    return resp


@web.get("/outbox")
@login_required
def outbox() -> Response:
    return render("web/outbox.html")


@web.get("/outbox/token")
@login_required
def outbox_token() -> Response:
    return jsonify({"csrfToken": generate_csrf(), "user": current_user.id})


@web.get("/offline/keep")
@login_required
def offline_keep() -> Response:
    ids = kept_on_device(Actor.of(current_user.user))
    pages = [url_for("web.my_work"), url_for("web.outbox")]
    pages += [url_for("web.work_order_page", work_order_id=wo_id) for wo_id in ids]
    return jsonify({"pages": pages, "user": current_user.id})


@web.get("/offline/parts")
@login_required
def offline_parts() -> Response:
    """The picker's catalogue for the device: every part, in stock first, with its stock now."""
    parts = parts_service.picker_catalogue(Actor.of(current_user.user))
    return jsonify({"at": datetime.now(UTC).isoformat(), "parts": [
        {"id": p.id, "partNumber": p.part_number, "description": p.description or "",
         "supplier": p.supplier or "", "stockLevel": p.stock_level} for p in parts]})


def device_time() -> datetime | None:
    """The request's Device-Time (ISO 8601 with its offset) in UTC; None when absent or unreadable."""
    raw = request.headers.get(DEVICE_TIME_HEADER, "")
    try:
        when = datetime.fromisoformat(raw) if 0 < len(raw) <= 40 else None
    except ValueError:
        return None
    if when is None or when.tzinfo is None:
        return None
    return when.astimezone(UTC)
