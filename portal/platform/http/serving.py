"""Sending files the same way from the API and the portal: stored uploads (work order photos) and
streamed CSV downloads (exports, refused import rows)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from flask import Response, send_file, stream_with_context


class StoredFile(Protocol):
    """A file kept on disk by a service (services/work_orders/attachments.py's StoredFile): platform
    knows its shape, not the service."""

    path: str
    content_type: str
    filename: str


def send_stored(stored: StoredFile) -> Response:
    """The bytes with safe headers: their real type, nosniff (platform/http/security.py), inline with a safe
    ASCII name, and private caching (a photo never changes under its id; shared caches never keep it)."""
    resp = send_file(stored.path, mimetype=stored.content_type, as_attachment=False,
                     download_name=stored.filename, conditional=True, max_age=3600)
    resp.headers["Content-Disposition"] = f'inline; filename="{stored.filename}"'
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


def csv_download(lines: Iterator[str], filename: str, mimetype: str = "text/csv") -> Response:
    """A streamed attachment (CSV, or NDJSON with its mimetype): the generator runs inside the
    request's context, one chunk at a time, so the whole file never sits in memory."""
    resp = Response(stream_with_context(lines), mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp
