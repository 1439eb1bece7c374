"""Idempotency-Key on the portal's writes (portal/platform/http/idempotency.py): the caller is the
logged-in user, not their session, so an offline queue replayed after logging in again is still
theirs. Installed on the blueprint when register_web imports this module, like the routes."""
from __future__ import annotations

from flask_login import current_user

from portal.platform.http import idempotency
from portal.web.acting import request_actor
from portal.web.blueprint import web


def caller() -> str | None:
    if not current_user.is_authenticated:
        return None
    request_actor()  # before the claim's commit expires the user (acting.py says why)
    return f"user:{current_user.id}"


idempotency.install(web, caller)
