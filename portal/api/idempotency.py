"""Idempotency-Key on the API's writes (portal/platform/http/idempotency.py): the caller is the API
key, else the token's user. Installed on the blueprint when this module is imported by register_api,
like the routes."""
from __future__ import annotations

from flask import g, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request

from portal.api.blueprint import api
from portal.platform.extensions import TOKEN_VERIFIED
from portal.platform.http import idempotency


def caller() -> str | None:
    key = g.get("api_key")
    if key is not None:
        return f"key:{key.api_key_id}"
    if not request.environ.get(TOKEN_VERIFIED) and verify_jwt_in_request(optional=True) is None:
        return None  # no token: login and refresh, or a 401 the route gives
    subject = get_jwt().get("sub")
    return f"user:{subject}" if subject else None


idempotency.install(api, caller)
