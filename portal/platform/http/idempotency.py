"""Idempotency keys for both faces: a write (POST, PUT, PATCH, DELETE) sent with an
`Idempotency-Key` header runs once per caller and key; a repeat gets the first answer again.

A device replaying its offline queue, or an integrator retrying after a timeout, cannot know
whether the first attempt happened. With a key of its own making per action, it sends again and
the server decides:

- first time: the key is claimed (committed on its own, before the work), the request runs, and
  its answer (status, body, the headers that matter) is kept;
- a repeat of the same request (same method, path, query and body): the kept answer, with
  `Idempotency-Replayed: true`, and nothing runs;
- the same key with another request: 422; a repeat while the first is still running waits for
  its answer (up to WAIT_SECONDS), then answers 409 if there is none yet.

Answers that did no work are not kept, so a retry runs again: 429 and 503 (refused before
running) and 5xx (the transaction rolled back). Keys are kept IDEMPOTENCY_KEEP_DAYS (a device may
stay offline that long), then purged by the idempotency-purge job.

Each face tells who is asking (`principal`): a key is the caller's own, so two callers using the
same key never see each other's answers. Requests without a caller (login) ignore the header.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from portal.models.idempotency import IdempotencyKey
from portal.models.types import new_id, utcnow
from portal.platform.database import unit_of_work

HEADER = "Idempotency-Key"
REPLAYED = "Idempotency-Replayed"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY_MAX = 255
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The headers of an answer a repeat gets again; the others (cookies, rate limits, request ids)
# belong to the repeat's own response.
KEPT_HEADERS = ("Content-Type", "Location", "Content-Disposition")
# A claim left running this long is a request that died between its work and its answer: the key
# says so instead of running the work a second time.
STALE_AFTER = timedelta(minutes=5)
# How long a repeat waits for the first request's answer before it answers 409.
WAIT_SECONDS = 5.0


class IdempotencyRefused(HTTPException):
    """A key that cannot be honoured; both faces write it in their own words (error_handlers)."""

    field = HEADER

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1")):
        digest.update(part.encode() + b"\0")
    if request.mimetype in FORM_TYPES:
        # A form is read (and its stream consumed) by the CSRF check before this runs: hash what
        # was parsed, fields in order, and each uploaded file's name and bytes.
        # The CSRF token is not part of what is asked: a device replaying its queue after a new
        # login sends the same action with a fresh token, and must get the first answer.
        token_field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        for name, values in sorted(request.form.lists()):
            if name == token_field:
                continue
            digest.update(name.encode() + b"\0" + "\0".join(values).encode() + b"\1")
        for name, files in sorted(request.files.lists()):
            for upload in files:
                digest.update(f"{name}\0{upload.filename}\0".encode())
                digest.update(upload.stream.read())
                upload.stream.seek(0)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _valid(key: str) -> bool:
    return 0 < len(key) <= KEY_MAX and all(" " <= ch <= "~" for ch in key)


def _claim(principal: str, key: str, fingerprint: str, now: datetime) -> str | Response:
    """Claim the key (its row id), or the answer a repeat gets; IdempotencyRefused otherwise."""
    table = IdempotencyKey.__table__
    keep = timedelta(days=current_app.config["IDEMPOTENCY_KEEP_DAYS"])
    for _ in range(2):  # a second round after removing an expired claim
        try:
            # Committed on its own before the work starts: a parallel repeat finds the claim.
            with unit_of_work() as conn:
                row_id = conn.execute(insert(table).values(
                    id=new_id(), principal=principal, key=key,
                    method=request.method, path=request.path[:2048], request_hash=fingerprint,
                    created_at=now, expires_at=now + keep,
                ).returning(table.c.id)).scalar_one()
            return row_id
        except IntegrityError:
            pass
        with unit_of_work() as conn:
            first = conn.execute(select(table).where(table.c.principal == principal, table.c.key == key)).first()
            if first is None:
                continue  # purged meanwhile: claim again
            if first.expires_at <= now:
                conn.execute(delete(table).where(table.c.id == first.id))
                continue
        if first.request_hash != fingerprint:
            raise IdempotencyRefused(422, "This Idempotency-Key was used for another request; "
                                          "send a new key for a new request")
        if first.status_code is None:
            if now - first.created_at > STALE_AFTER:
                raise IdempotencyRefused(409, "The first request with this Idempotency-Key did not finish; "
                                              "check whether it took effect, then send it with a new key")
            first = _wait_for_answer(first.id) or first
            if first.status_code is None:
                raise IdempotencyRefused(409, "The first request with this Idempotency-Key is still running; "
                                              "send it again in a moment")
        replay = Response(first.response_body or b"", status=first.status_code)
        for name, value in (first.response_headers or {}).items():
            replay.headers[name] = value
        replay.headers[REPLAYED] = "true"
        return replay
    raise IdempotencyRefused(409, "The Idempotency-Key could not be claimed; send the request again")


def _wait_for_answer(row_id: str) -> Any:
    """The claim's row once its first request has answered, polled for up to WAIT_SECONDS (None if
    it went away); a repeat arriving while the first runs gets the answer rather than a 409."""
    table = IdempotencyKey.__table__
    deadline = time.monotonic() + WAIT_SECONDS
    row = None
    while time.monotonic() < deadline:
        time.sleep(0.05)
        with unit_of_work() as conn:
            row = conn.execute(select(table).where(table.c.id == row_id)).first()
        if row is None or row.status_code is not None:
            return row
    return row


def _release(row_id: str) -> None:
    with unit_of_work() as conn:
        conn.execute(delete(IdempotencyKey.__table__).where(IdempotencyKey.__table__.c.id == row_id))


def _record(row_id: str, response: Response, now: datetime) -> None:
    headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    headers.update({name: value for name, value in response.headers.items() if name.startswith("HX-")})
    with unit_of_work() as conn:
        conn.execute(update(IdempotencyKey.__table__).where(IdempotencyKey.__table__.c.id == row_id).values(
            status_code=response.status_code, response_headers=headers, response_body=response.get_data(),
            completed_at=now))


def install(blueprint: Blueprint, principal: Callable[[], str | None]) -> None:
    """Honour Idempotency-Key on the blueprint's writes; `principal` names the caller (None: none)."""

    @blueprint.before_request
    def claim_key() -> Response | None:
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITE_METHODS:
            return None
        if not _valid(key):
            raise IdempotencyRefused(400, f"{HEADER} must be 1 to {KEY_MAX} printable ASCII characters")
        who = principal()
        if who is None:
            return None
        claimed = _claim(who, key, _fingerprint(), utcnow())
        if isinstance(claimed, Response):
            return claimed
        g.idempotency_claim = claimed
        return None

    @blueprint.after_request
    def keep_answer(response: Response) -> Response:
        row_id = g.pop("idempotency_claim", None)
        if row_id is None:
            return response
        if response.status_code in (429, 503) or response.status_code >= 500 or response.is_streamed:
            _release(row_id)  # no work was done (or cannot be replayed): a retry runs again
        else:
            _record(row_id, response, utcnow())
        return response

    @blueprint.teardown_request
    def release_unanswered(_exc: BaseException | None) -> None:
        row_id = g.pop("idempotency_claim", None)
        if row_id is not None:  # no answer was made (an error escaped every handler)
            _release(row_id)


def purge(now: datetime | None = None) -> int:
    """Remove the keys past their time; how many."""
    table = IdempotencyKey.__table__
    with unit_of_work() as conn:
        return conn.execute(delete(table).where(table.c.expires_at <= (now or utcnow()))).rowcount or 0
