"""The logged-in user as an Actor, with their warehouse's time zone and decimal mark, taken once
per request.

A write sent with an Idempotency-Key commits its claim (platform/http/idempotency.py) before the
view runs, and the view's service commits its change: each commit expires every row the session
holds, the logged-in user and their warehouse among them, and the next look at them (the view's
Actor, the templates' time zone) cost another SELECT of both for values read a moment before. The
key's caller (web/idempotency.py) takes them before the claim; views, the live-poll decorator, the
sign-off panel and the templates' context (web/__init__.py) reuse them. The time zone and decimal mark are those the
request started with: the one service that changes them (identity/warehouses.py) answers with a
redirect, so its new values show from the next page on, as before. Dropped at the end of the
request: an app context that outlives requests (tests) never hands them to the next one. Kept
with the user row they were read from: a login in the middle of a request takes them anew.
"""
from __future__ import annotations

from typing import NamedTuple

from flask import g
from flask_login import current_user

from portal.services.common.actor import Actor
from portal.web.blueprint import web


class Taken(NamedTuple):
    user: object  # the User row read: another row (another login) takes them again
    actor: Actor
    timezone: str | None
    decimal_mark: str
    name: str | None


def _taken() -> Taken:
    user = current_user.user
    taken = g.get("web_actor")
    if taken is None or taken.user is not user:
        taken = g.web_actor = Taken(user, Actor.of(user), user.warehouse.timezone, user.warehouse.decimal_mark,
                                    user.name)
    return taken


def request_actor() -> Actor:
    """The logged-in user's Actor for this request (the caller has checked the login)."""
    return _taken().actor


def request_place() -> tuple[str | None, str]:
    """The logged-in user's warehouse's time zone name and decimal mark for this request."""
    taken = _taken()
    return taken.timezone, taken.decimal_mark


def request_name() -> str | None:
    """The logged-in user's name (the sign-off's signer, by default)."""
    return _taken().name


@web.teardown_app_request  # every request: the templates take them on any page, error pages too
def _forget_actor(_exc: BaseException | None) -> None:
    g.pop("web_actor", None)
