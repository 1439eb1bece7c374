"""Sending a stored upload (work order photos), the same way from the API and the portal."""
from __future__ import annotations

from flask import Response, send_file

from .services.attachments import StoredFile


def send_stored(stored: StoredFile) -> Response:
    """The bytes with safe headers: their real type, nosniff (security.py), inline with a safe
    ASCII name, and private caching (a photo never changes under its id; shared caches never keep it)."""
    resp = send_file(stored.path, mimetype=stored.content_type, as_attachment=False,
                     download_name=stored.filename, conditional=True, max_age=3600)
    resp.headers["Content-Disposition"] = f'inline; filename="{stored.filename}"'
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp
