"""The quiet live poll: "nothing changed" answered from a signed poll token and one Redis GET.

Every open board, work order page, notifications page and header bell asks every few seconds
whether anything changed since its version (platform/live.py); nearly every answer is 204. The
full path pays for Flask-Login loading the session and its user from the database and the
permission check, to learn only that a counter did not move. So the full path, once it has
checked the person, hands the page a poll token (the X-Live-Token header): signed with the app's
secret (itsdangerous), it names the person, their warehouse, the endpoint and work order it
watches and a digest of the login (session cookie) it was issued under, and it expires after
POLL_TOKEN_SECONDS. The page sends it back with each poll (static/js/portal.js); a before_request
of the web blueprint (so after the app's own: request figures, rate limits and security checks run
for a quiet poll exactly as for any request) answers 204 when the token is valid for this very
request and the watched counter still reads `since`. Anything else (no token, expired, forged,
issued under another login, for another endpoint or work order, a counter that moved, Redis down)
goes on to the view, which logs the person in, checks the permission and answers as before, with
a new token.

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
from collections.abc import Callable
from typing import Any

from flask import current_app, make_response, request, session
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from portal.platform import live
from portal.web.acting import request_actor
from portal.web.blueprint import web
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


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def _session_digest() -> str:
    """Binds a token to the login it was issued under: the AuthSession id the login put in the
    signed session cookie (session.LOGIN_KEY). A token copied away from the browser is no use
    without the cookie, and a logout (the session cleared) or another login in this browser
    (another id) ends quiet answers at once. Not the cookie's bytes: Flask-Login rewrites the
    cookie (its freshness flag) without the login changing. A session without the key (logged in
    before it existed) never answers quietly: no digest, no token issued."""
    return hashlib.sha256(str(session.get(LOGIN_KEY, "")).encode()).hexdigest()[:32]


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
        "o": (request.view_args or {}).get("work_order_id", ""), "c": _session_digest(),
    })
    resp.headers[HEADER] = token
    return resp


def nothing_changed() -> Response:
    resp = make_response("", 204)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@web.before_request
def answer_quiet_poll() -> Response | None:
    """204 for a poll whose token holds and whose counter still reads `since`; None (the view
    answers, through the full login and permission check) otherwise."""
    if request.endpoint not in POLL_ENDPOINTS:
        return None
    sent = request.headers.get(HEADER)
    if not sent:
        return None
    try:
        claims = _serializer().loads(sent, max_age=POLL_TOKEN_SECONDS)
    except BadSignature:  # forged, or expired (SignatureExpired is a BadSignature)
        return None
    if not isinstance(claims, dict) or claims.get("e") != request.endpoint or claims.get("c") != _session_digest():
        return None
    work_order_id = (request.view_args or {}).get("work_order_id", "")
    if claims.get("o", "") != work_order_id:
        return None
    key = watched_key(request.endpoint, str(claims.get("w", "")), str(claims.get("u", "")), work_order_id)
    if key is None:
        return None
    current = live.read(key)
    if current is None or request.args.get("since", "") != current:
        return None  # Redis down, or something changed: the view decides, with the person checked
    return nothing_changed()


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
