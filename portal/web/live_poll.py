"""The quiet live poll: "nothing changed" answered from a signed poll token and one Redis GET.

Every open board, work order page, notifications page and header bell asks every few seconds
whether anything changed since its version (platform/live.py); nearly every answer is 204. The
full path pays for Flask-Login loading the session and its user from the database and the
permission check, to learn only that a counter did not move. So the full path, once it has
checked the person, hands the page a poll token (the X-Live-Token header): signed with the app's
secret (itsdangerous), it names the person, their warehouse, the endpoint and work order it
watches and a digest of the login (session cookie) it was issued under, and it expires after
POLL_TOKEN_SECONDS. The page sends it back with each poll (static/js/portal.js); QuietPolls, a WSGI
layer in front of the app, answers 204 when the token is valid for this very request and the
watched counter still reads `since`, before Flask builds its request (a quiet poll is most of a
plant's requests: 1,000 tablets, 200 a second; bench/README.md). What the app does for every
answer is done for it too, by the same functions: the URL length check, the protective headers
(platform/http/security.add_headers), the request id, the access line and the request figures
(platform/telemetry/observability.log_request). The portal's routes have no rate limit (the API's
budget and the login's are elsewhere), so none is skipped. Anything else (no token, expired,
forged, issued under another login, for another endpoint or work order, a counter that moved,
Redis down) goes on to the app and the view, which logs the person in, checks the permission and
answers as before, with a new token.

What a quiet poll skips: the user loader's SQL statement (the session row and its user) and the
permission check. So a session revoked (or a person deactivated, or their role changed) learns at
most "nothing changed" for the token's remaining life; the next change, or the token's expiry,
takes them to the full path, which answers 401. docs/decisions.md says why that is acceptable.
The counter read is the warehouse's own (the key is built from the token's warehouse, which the
full path took from the logged-in person), so another warehouse's work order never reads as
changed: its key in this warehouse's namespace never moves.

A tablet's own change (answers_own_change, below): the work order page sends its version with each
of its steps (X-Live-Since: tick, part, labor, comment, photo...). When the step's own committed
bumps took the work order's counter from exactly that version to since + k (the values its own
INCRs returned: nobody else's bump fell in between), and the step changed no other work order, the
answer says so (X-Live-Version) and the page takes that version: its next poll is a quiet 204
instead of re-rendering the part the answer has just swapped. Anything else (someone else's change
in between, a concurrent write, Redis down, an idempotent replay that ran nothing, an error answer)
carries no version, and the next poll fetches the change as before. Only steps whose answer shows
everything their write changed on the page are decorated (docs/decisions.md).
"""
from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask, current_app, make_response, request, session
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from portal.platform import live
from portal.platform.http import security
from portal.platform.telemetry import observability
from portal.web.acting import request_actor
from portal.web.session import LOGIN_KEY

HEADER = "X-Live-Token"
SINCE = "X-Live-Since"  # a step's request: the version the page had when it sent it
VERSION = "X-Live-Version"  # a poll's 200, and a step's answer when only its own write moved the version
POLL_TOKEN_SECONDS = 120
SALT = "maintainpro.live-poll"
# The polls a token may answer, and the counter each one watches.
BOARD, WORK_ORDER, BELL, NOTIFICATIONS = ("web.board_changes", "web.work_order_changes", "web.notification_bell",
                                          "web.notification_changes")
POLL_ENDPOINTS = frozenset({BOARD, WORK_ORDER, BELL, NOTIFICATIONS})


def _serializer(app: Flask | None = None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer((app or current_app).secret_key, salt=SALT)


def login_digest(cookie_session: Mapping[str, Any]) -> str:
    """Binds a token to the login it was issued under: the AuthSession id the login put in the
    signed session cookie (session.LOGIN_KEY). A token copied away from the browser is no use
    without the cookie, and a logout (the session cleared) or another login in this browser
    (another id) ends quiet answers at once. Not the cookie's bytes: Flask-Login rewrites the
    cookie (its freshness flag) without the login changing. A session without the key (logged in
    before it existed) never answers quietly: no digest, no token issued."""
    return hashlib.sha256(str(cookie_session.get(LOGIN_KEY, "")).encode()).hexdigest()[:32]


def watched_key(endpoint: str, warehouse_id: str, user_id: str, work_order_id: str) -> str | None:
    """The Redis counter a poll endpoint watches (platform/live.py's keys)."""
    if endpoint == BOARD:
        return live.warehouse_key(warehouse_id)
    if endpoint == WORK_ORDER:
        return live.work_order_key(warehouse_id, work_order_id) if work_order_id else None
    if endpoint in (BELL, NOTIFICATIONS):
        return live.user_key(user_id)
    return None


def issue(resp: Response, *, user_id: str, warehouse_id: str) -> Response:
    """Give `resp` (the full path's answer to this poll, 204 or 200) a token for the same poll."""
    token = _serializer().dumps({
        "u": user_id, "w": warehouse_id, "e": request.endpoint,
        "o": (request.view_args or {}).get("work_order_id", ""), "c": login_digest(session),
    })
    resp.headers[HEADER] = token
    return resp


def nothing_changed() -> Response:
    resp = make_response("", 204)
    resp.headers["Cache-Control"] = "no-store"
    return resp


class QuietPolls:
    """WSGI middleware: a live poll whose token holds and whose counter still reads `since` is answered
    204 here; every other request goes to the app unchanged."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET" and environ.get("HTTP_X_LIVE_TOKEN"):
            started = time.perf_counter()
            claims = self._quiet(environ)
            if claims is not None:
                return self._nothing_changed(environ, start_response, claims, started)
        return self.wsgi_app(environ, start_response)

    def _quiet(self, environ: WSGIEnvironment) -> dict | None:
        """The token's claims when this poll is quiet; None: the app answers it."""
        app = self.app
        if security.request_target_bytes(environ) > app.config["MAX_URL_BYTES"]:
            return None  # the app's 414
        req = app.request_class(environ)
        try:
            rule, view_args = app.create_url_adapter(req).match(return_rule=True)
        except HTTPException:  # no such route, another method, a redirect
            return None
        endpoint = rule.endpoint
        if endpoint not in POLL_ENDPOINTS:
            return None
        try:
            claims = _serializer(app).loads(environ["HTTP_X_LIVE_TOKEN"], max_age=POLL_TOKEN_SECONDS)
        except BadSignature:  # forged, or expired (SignatureExpired is a BadSignature)
            return None
        if not isinstance(claims, dict) or claims.get("e") != endpoint:
            return None
        cookie_session = app.session_interface.open_session(app, req)
        if cookie_session is None or claims.get("c") != login_digest(cookie_session):
            return None
        work_order_id = view_args.get("work_order_id", "")
        if claims.get("o", "") != work_order_id:
            return None
        key = watched_key(endpoint, str(claims.get("w", "")), str(claims.get("u", "")), work_order_id)
        if key is None:
            return None
        current = live.read(key, app)
        if current is None or req.args.get("since", "") != current:
            return None  # Redis down, or something changed: the view decides, with the person checked
        return {**claims, "route": rule.rule}

    def _nothing_changed(self, environ: WSGIEnvironment, start_response: StartResponse, claims: dict,
                         started: float) -> Iterable[bytes]:
        app = self.app
        request_id = observability.request_id_from(environ.get("HTTP_X_REQUEST_ID", ""))
        headers = Headers({"Cache-Control": "no-store", "X-Request-Id": request_id, "Vary": "Cookie"})
        security.add_headers(headers, app.config, is_html=True, endpoint=None)
        observability.log_request(app, request_id=request_id, method="GET", route=claims["route"], status=204,
                                  duration_ms=(time.perf_counter() - started) * 1000,
                                  user_id=str(claims.get("u")), warehouse_id=str(claims.get("w")))
        start_response("204 NO CONTENT", headers.to_wsgi_list())
        return []


def own_change_version(warehouse_id: str, work_order_id: str, since: str) -> str | None:
    """The version a page at `since` is at once it shows this request's answer, when this
    request's own bumps alone moved the work order's counter from `since`; None otherwise."""
    try:
        start = int(since)
    except ValueError:
        return None
    key = live.work_order_key(warehouse_id, work_order_id)
    bumps = live.own_bumps()
    mine = bumps.get(key)
    if not mine or any(other != key for other in bumps):
        return None  # nothing written, or another work order changed too (a follow-up raised)
    if mine != list(range(start + 1, start + 1 + len(mine))):
        return None  # someone else's bump came in between (or the page's version was not current)
    return str(mine[-1])


def answers_own_change(view: Callable[..., Any]) -> Callable[..., Response]:
    """For a work order step whose successful fragment shows everything its write changed on the
    work order page: a 200 answer to a request with X-Live-Since carries X-Live-Version when only
    this request moved the work order's version (own_change_version). Innermost decorator (below
    login_required); the route has a `work_order_id`."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        resp = make_response(view(*args, **kwargs))
        since = request.headers.get(SINCE)
        if (since is None or resp.status_code != 200 or "HX-Redirect" in resp.headers
                or not current_user.is_authenticated):
            return resp
        version = own_change_version(request_actor().warehouse_id, kwargs["work_order_id"], since)
        if version is not None:
            resp.headers[VERSION] = version
        return resp

    return wrapped
