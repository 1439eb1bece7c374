"""Static files under fingerprinted URLs: `url_for("static", filename="css/portal.css")` gives
/static/css/portal.css?v=<first 12 hex digits of the file's SHA-256>.

Such a URL is answered with a year's `Cache-Control: public, immutable`: a tablet keeps the
stylesheet and scripts and asks again only when a release changes them (its pages then name a new
URL). Before, every page load revalidated all three, three more round trips over plant Wi-Fi per
screen. A URL without `v` keeps Flask's default (revalidate every time).
"""
from __future__ import annotations

import hashlib
import os
from typing import Any

from flask import Flask, Response, request
from werkzeug.security import safe_join

CACHE_FOR_A_YEAR = "public, max-age=31536000, immutable"


def init_static_files(app: Flask) -> None:
    folder = app.static_folder or ""
    # (filename, mtime, size) -> fingerprint: a file edited while the server runs gets a new URL.
    fingerprints: dict[tuple[str, int, int], str] = {}

    def fingerprint(filename: str) -> str | None:
        path = safe_join(folder, filename)
        if path is None:  # outside the static folder: no such static file
            return None
        try:
            stat = os.stat(path)
        except OSError:
            return None
        key = (filename, stat.st_mtime_ns, stat.st_size)
        if key not in fingerprints:
            with open(path, "rb") as file:
                fingerprints[key] = hashlib.sha256(file.read()).hexdigest()[:12]
        return fingerprints[key]

    @app.url_defaults
    def _add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values and isinstance(values.get("filename"), str):
            version = fingerprint(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def _keep_fingerprinted(resp: Response) -> Response:
        if request.endpoint == "static" and request.args.get("v") and resp.status_code in (200, 304):
            resp.headers["Cache-Control"] = CACHE_FOR_A_YEAR
        return resp
