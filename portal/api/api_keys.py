"""/api/api-keys: keys for integrations (admins), and the Bearer-key authentication of every route."""
from __future__ import annotations

from flask import Flask, g, jsonify, request

from portal.api.blueprint import api
from portal.api.common import actor, documented, json_body, page_response, query_args
from portal.error_handlers import error_response, invalid_api_key
from portal.schemas.api_keys import ApiKeyCreate, ApiKeyCreatedOut, ApiKeyOut
from portal.schemas.common import PageQuery
from portal.services.identity import api_keys as service

_DESCRIPTION = ("API keys let services call the API without a person's login and MFA. Send one as "
                "'Authorization: Bearer mp_live_<id>_<secret>' wherever a JWT is accepted. A key acts inside "
                "its warehouse with its own role (never above its creator's), is rate-limited on its own "
                "budget (RATELIMIT_API per key) and stops working at once when revoked.")


@api.get("/api-keys")
@documented(summary="List the warehouse's API keys (never their secrets)", query=PageQuery,
            response=list[ApiKeyOut], permission="api_keys.manage", description=_DESCRIPTION)
def list_api_keys():
    q = query_args(PageQuery)
    page = service.list_keys(actor(), q.page, q.limit)
    return page_response(page, ApiKeyOut.dump_many(page.items))


@api.post("/api-keys")
@documented(summary="Create an API key (the full key is in this response only)", body=ApiKeyCreate,
            response=ApiKeyCreatedOut, status=201, permission="api_keys.manage", description=_DESCRIPTION)
def create_api_key():
    body = json_body(ApiKeyCreate)
    key, text = service.create_key(actor(), body.name, body.role)
    return jsonify({**ApiKeyOut.dump(key), "key": text}), 201


@api.get("/api-keys/<key_id>")
@documented(summary="One API key (without its secret)", response=ApiKeyOut, permission="api_keys.manage")
def get_api_key(key_id: str):
    return jsonify(ApiKeyOut.dump(service.get_key(actor(), key_id)))


@api.delete("/api-keys/<key_id>")
@documented(summary="Revoke an API key: the next request made with it answers 401", status=204,
            permission="api_keys.manage")
def revoke_api_key(key_id: str):
    service.revoke_key(actor(), key_id)
    return "", 204


def _authenticate_key():
    """Before every /api request: a Bearer API key sets the acting user the way a JWT would, so every
    route works with keys unchanged (documented() skips the JWT check when g.api_key is set)."""
    # g outlives a request when the app context was pushed beforehand (tests, CLI): start clean.
    g.pop("api_key", None)
    if not request.path.startswith("/api/"):
        return None
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = header[7:].strip()
    if not service.looks_like_key(token):
        return None
    principal = service.authenticate(token)
    if principal is None:
        # Refused once the rate limiter has counted the request (on the client's address): a
        # guessed key is counted like any request, and its 401 carries the X-RateLimit-* headers.
        request.environ[_REFUSED] = "malformed" if not service.well_formed(token) else "unknown"
        return None
    g.api_key = principal  # what api/common.py's acting_user() and token_claims() answer
    return None


_REFUSED = "maintainpro.api_key_refused"


@api.before_request
def _refuse_invalid_key():
    """After the app's before_request hooks (the limiter's among them): the 401 of a key that failed."""
    refused = request.environ.get(_REFUSED)
    if refused == "malformed":
        return invalid_api_key()
    if refused == "unknown":
        return error_response(401, "Invalid or revoked API key", [
            {"field": "Authorization", "message": "The API key is unknown, revoked, or its creator is disabled"}])
    return None


def install(app: Flask) -> None:
    """Keys are read before the rate limiter (platform/ratelimits.py), which then counts the request on
    the key; a failed key is refused by the API blueprint's own hook, which runs after the app's."""
    app.before_request(_authenticate_key)
