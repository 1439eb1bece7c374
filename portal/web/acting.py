"""The logged-in user as an Actor, taken once per request.

A write sent with an Idempotency-Key commits its claim (platform/http/idempotency.py) before the
view runs, and that commit expires every row the session holds, the logged-in user among them:
the view's first look at the user then cost a second SELECT of the user and their warehouse for
values read a moment before. The key's caller (web/idempotency.py) takes the Actor before the
claim, and the work order views and the live-poll decorator reuse it. Dropped at the end of the
request: an app context that outlives requests (tests) never hands it to the next one.
"""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.services.common.actor import Actor
from portal.web.blueprint import web


def request_actor() -> Actor:
    """The logged-in user's Actor for this request (the caller has checked the login)."""
    user = current_user.user
    taken = g.get("web_actor")
    if taken is not None and taken[0] is user:
        return taken[1]
    actor = Actor.of(user)
    g.web_actor = (user, actor)
    return actor


@web.teardown_request
def _forget_actor(_exc: BaseException | None) -> None:
    g.pop("web_actor", None)
