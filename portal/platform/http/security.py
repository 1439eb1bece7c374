"""Protections every response and request gets, in one place: headers, body and URL limits, file modes.

- Headers: nosniff, a referrer policy, frame protection, ``Cache-Control: no-store`` on everything
  that may carry personal or warehouse data, and one Content-Security-Policy for every HTML page
  (the API docs today, the portal next). The portal must live within ``PAGE_CSP``: scripts and
  styles from our own static files only (no inline ``<script>``/``style=""``, no ``eval``; for htmx
  set ``includeIndicatorStyles: false`` and ``allowEval: false`` in its meta config).
- Bodies: at most ``MAX_BODY_BYTES`` (413 before the body is read). A route that needs more (an
  upload) raises its own limit with ``@body_limit(n)``.
- URLs: a request target (path and query) longer than ``MAX_URL_BYTES`` answers 414 in our error
  format, well below gunicorn's own request-line limit (gunicorn.conf.py), whose answer is HTML.
- Local secrets: the instance directory is 0700, the SQLite database file 0600 (SQLite gives its
  -wal/-shm files the database file's mode).
"""
from __future__ import annotations

import contextlib
import logging
import os
import stat
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request
from sqlalchemy.engine import make_url
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_MAX_URL_BYTES = 4096
# Deeper JSON is refused with 400 before it is parsed; no payload of ours nests beyond 4 levels.
MAX_JSON_DEPTH = 64

# HTML pages: everything from our own origin, nothing inline, nothing framed.
PAGE_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    # The service worker (/sw.js) and the web app manifest, from our origin only.
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# Powerful browser features: the camera for our own pages only (the scan page reads labels with it;
# the photo inputs use the system camera app, not this), nothing for frames, no microphone or location.
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
# JSON and other non-HTML answers load nothing at all.
DATA_CSP = "default-src 'none'; frame-ancestors 'none'"

# strict-origin-when-cross-origin rather than no-referrer: CSRF protection over HTTPS (Flask-WTF)
# compares the Referer with our origin; other sites still only see the origin, never a path or id.
REFERRER_POLICY = "strict-origin-when-cross-origin"

# Answers that carry nobody's data and may be cached by browsers and proxies.
PUBLIC_ENDPOINTS = frozenset({"static", "api.openapi_json", "api.docs_page"})


def body_limit(max_bytes: int | str | Callable[[Any], int]) -> Callable[[F], F]:
    """Let one route accept bodies up to `max_bytes` instead of MAX_BODY_BYTES (e.g. uploads).

    `max_bytes` may name a setting instead ("UPLOAD_MAX_BYTES"), read at request time, or be a
    function of the app's config (a setting plus room for the multipart envelope).
    Put it above or below the route's other decorators; it only marks the view.
    """

    def mark(view: F) -> F:
        view.max_body_bytes = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


def _route_body_limit(view: Callable | None) -> int | None:
    # functools.wraps copies attributes at wrap time, so look through every layer.
    while view is not None:
        limit = getattr(view, "max_body_bytes", None)
        if limit is not None:
            if callable(limit):
                return int(limit(current_app.config))
            return int(current_app.config[limit]) if isinstance(limit, str) else limit
        view = getattr(view, "__wrapped__", None)
    return None


def request_target_bytes(environ: dict) -> int:
    """Bytes of the request's path and query as the client sent them."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return len(raw.encode("latin-1", "replace"))
    query = environ.get("QUERY_STRING", "")
    return len(environ.get("PATH_INFO", "").encode("latin-1", "replace")) + (len(query) + 1 if query else 0)


class URITooLong(HTTPException):
    code = 414
    description = "Request URL too long"


def _check_request() -> None:
    """Before the view (and before a routing 404/405 is raised): URL length, then body size."""
    max_url = current_app.config["MAX_URL_BYTES"]
    if request_target_bytes(request.environ) > max_url:
        raise URITooLong(f"Request URL too long: at most {max_url} bytes of path and query")
    limit = body_limit_of_request()
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(body_too_large_message(limit))
    # Werkzeug stops every read there, chunked bodies included. One byte more than the limit:
    # its LimitedStream ends a too long chunked body silently at the limit, so read_body() must
    # see that byte to tell "exactly the limit" from "more".
    request.max_content_length = limit + 1


def body_limit_of_request() -> int:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return _route_body_limit(view) or current_app.config["MAX_BODY_BYTES"]


def body_too_large_message(limit: int) -> str:
    return f"Request body too large: at most {limit} bytes"


def read_body() -> bytes:
    """The request body, at most the route's limit (413 beyond it, chunked bodies included)."""
    limit = body_limit_of_request()
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        data = None
    if data is None or len(data) > limit:
        raise RequestEntityTooLarge(body_too_large_message(limit))
    return data


def add_headers(headers: Headers, config: Mapping[str, Any], *, is_html: bool, endpoint: str | None) -> None:
    """The protective headers of an answer, where the view set none of its own: every answer of the
    app gets them here (_set_headers), the quiet live poll's too (web/live_poll.py, before Flask)."""
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    if "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = config["CONTENT_SECURITY_POLICY"] if is_html else DATA_CSP
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    # A view that chose its own caching (static files do) keeps it.
    if endpoint not in PUBLIC_ENDPOINTS and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"


def _set_headers(resp: Response) -> Response:
    add_headers(resp.headers, current_app.config, is_html=resp.mimetype == "text/html", endpoint=request.endpoint)
    return resp


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Files and directories created inside (by us or by a child process started here) are owner-only."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def restrict(path: str, mode: int) -> None:
    """Tighten `path` to `mode` when it is looser; warn (do not fail) when it is not ours to change."""
    try:
        current = stat.S_IMODE(os.stat(path).st_mode)
        if current & ~mode:
            os.chmod(path, mode)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not restrict %s to %o: %s", path, mode, exc)


def _protect_sqlite_file(uri: str) -> None:
    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return
    path = os.path.abspath(url.database)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # An empty file is a valid new SQLite database; creating it ourselves fixes its mode.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    for suffix in ("", "-wal", "-shm", "-journal"):
        restrict(path + suffix, 0o600)


def init_app(app: Flask) -> None:
    app.config.setdefault("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
    app.config.setdefault("MAX_URL_BYTES", DEFAULT_MAX_URL_BYTES)
    app.config.setdefault("CONTENT_SECURITY_POLICY", PAGE_CSP)
    app.config.setdefault("PUBLIC_BASE_URL", "")
    # Werkzeug's default for any code path that reads the body before our check runs.
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    if app.config.get("INSTANCE_DIR"):
        restrict(app.config["INSTANCE_DIR"], 0o700)
    _protect_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    app.before_request(_check_request)
    app.after_request(_set_headers)
