"""/scan: read an asset's label with the phone's camera (static/js/scan.js: the browser's
BarcodeDetector, else the vendored jsQR) or type its tag; /scan/open names the asset."""
from __future__ import annotations

from flask import jsonify, redirect, request, url_for
from flask.wrappers import Response
from flask_login import current_user, login_required

from portal.services.assets.lookup import MAX_CODE_LENGTH, asset_for_code
from portal.services.common.actor import Actor
from portal.web.blueprint import web
from portal.web.rendering import render

# What the scanner shows of a code that is not ours: enough to recognise it, not a page of text.
SHOWN_CHARS = 80


def _not_ours(code: str) -> str:
    text = " ".join(code.split())
    shown = text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"
    if "://" in text or len(text) > 64:
        return (f"This code is not one of this plant's asset labels (it reads “{shown}”). "
                "Point the camera at the big code on an asset's label.")
    return f"No asset has the tag “{shown}”. Check the tag on the label, or search the asset list."


@web.get("/scan")
@login_required
def scan() -> Response:
    return render("web/scan.html", message=None, code="")


@web.get("/scan/open")
@login_required
def scan_open() -> Response:
    """The asset page of a scanned code or typed tag (303). Otherwise the scan page saying so; the
    scanner asks with Accept: application/json and gets {url} or {message} (it keeps scanning)."""
    code = request.args.get("code", "")[:MAX_CODE_LENGTH]
    eq = asset_for_code(Actor.of(current_user.user), code) if code.strip() else None
    as_json = request.accept_mimetypes.best == "application/json"
    if eq is not None:
        url = url_for("web.asset", equipment_id=eq.id)
        return jsonify(url=url) if as_json else redirect(url, 303)
    message = _not_ours(code) if code.strip() else "Type the asset tag printed on the label."
    if as_json:
        return jsonify(url=None, message=message)
    return render("web/scan.html", message=message, code=code.strip())
