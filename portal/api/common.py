"""What every JSON view shares: body/query parsing, the acting user, paging headers, docs metadata."""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Response, current_app, g, jsonify, request
from flask_jwt_extended import get_current_user, get_jwt, verify_jwt_in_request
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from portal.platform.extensions import TOKEN_VERIFIED
from portal.platform.http.security import MAX_JSON_DEPTH, read_body
from portal.schemas.errors import pydantic_errors  # noqa: F401  (shared with the portal's forms)
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError, ValidationFailed
from portal.services.common.querying import Page, SyncPage

M = TypeVar("M", bound=BaseModel)


def parse_model(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except PydanticError as exc:
        raise ValidationFailed("Validation failed", pydantic_errors(exc)) from None


class UnsupportedMediaType(DomainError):
    status = 415
    default_message = "Unsupported media type"


# A JSON string literal, so brackets inside strings do not count as nesting.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_too_deep(data: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when arrays/objects nest deeper than `limit`; linear, and done before parsing."""
    if data.count(b"[") + data.count(b"{") <= limit:  # the usual case: cannot be too deep
        return False
    depth = 0
    for byte in _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS):
        depth += 1 if byte in b"[{" else -1
        if depth > limit:
            return True
    return False


def _check_media_type() -> None:
    """JSON bodies only, in UTF-8 (RFC 8259). No Content-Type at all is read as JSON."""
    if not request.content_type:
        return
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if request.mimetype != "application/json" or charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(None, [{"field": "Content-Type",
                                           "message": "Send the body as application/json in UTF-8"}])


def read_json(default: Any = None) -> Any:
    """The request's JSON body (`default` when there is none): 413 too large, 415 not JSON/UTF-8, 400 malformed
    or nested deeper than MAX_JSON_DEPTH."""
    data = read_body()
    if not data:
        return default
    _check_media_type()
    # UTF-16/32 JSON starts with a NUL byte among its first four (RFC 4627, section 3).
    if b"\x00" in data[:4]:
        raise UnsupportedMediaType(None, [{"field": "body", "message": "Body must be UTF-8 encoded"}])
    if json_too_deep(data):
        raise ValidationFailed("Malformed JSON body", [
            {"field": "body", "message": f"JSON nested deeper than {MAX_JSON_DEPTH} levels"}])
    try:
        return current_app.json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed("Malformed JSON body", [{"field": "body", "message": "Body is not valid JSON"}]) from None


def json_body(model: type[M]) -> M:
    """The request's JSON body as `model`; malformed JSON or a non-object is a 400."""
    data = read_json(default={})
    if not isinstance(data, dict):
        raise ValidationFailed("Validation failed", [{"field": "body", "message": "Body must be a JSON object"}])
    return parse_model(model, data)


def query_args(model: type[M]) -> M:
    # A repeated key (status=new&status=assigned) joins like a comma list.
    data = {key: ",".join(values) for key, values in request.args.lists()}
    return parse_model(model, data)


def acting_user() -> Any:
    """Who makes the request: the principal of its API key (api_keys.py), else the user of its token."""
    key = g.get("api_key")
    return key if key is not None else get_current_user()


def token_claims() -> dict:
    """The verified claims of the request's token; an API key's in the same shape (no session)."""
    key = g.get("api_key")
    if key is not None:
        return {"sub": key.id, "sid": None, "type": "api_key", "apiKeyId": key.api_key_id}
    return get_jwt()


def actor() -> Actor:
    return Actor.of(acting_user())


def session_id() -> str:
    sid = token_claims()["sid"]
    if sid is None:  # an API key has no login session: it is revoked through /api/api-keys
        raise ValidationFailed("API keys have no session", [
            {"field": "Authorization", "message": "Revoke an API key with DELETE /api/api-keys/{id}"}])
    return sid


def page_response(page: Page, items: list[dict]) -> Response:
    """A bare JSON array, as in the contract, with X-Total-Count and an RFC 8288 Link header.

    X-Total-Count-Exact says whether the total is the number of rows (`true`) or a lower bound
    where a capped count stopped (`false`: more rows follow; Link then has no rel="last")."""
    resp = jsonify(items)
    resp.headers["X-Total-Count"] = str(page.total)
    resp.headers["X-Total-Count-Exact"] = "true" if page.exact else "false"
    # Repeated keys (status=new&status=assigned) are kept, joined as query_args() reads them.
    args = {key: ",".join(values) for key, values in request.args.lists()}
    links = []

    # Never from the Host header (a client or proxy could set it to another site): relative
    # links, or absolute ones under the configured PUBLIC_BASE_URL.
    base = current_app.config.get("PUBLIC_BASE_URL", "") + request.script_root + request.path

    def link(number: int, rel: str) -> None:
        args.update(page=str(number), limit=str(page.limit))
        links.append(f'<{base}?{urlencode(args)}>; rel="{rel}"')

    link(1, "first")
    if page.page > 1:
        link(min(page.page - 1, page.last_page), "prev")
    if page.has_next:
        link(page.page + 1, "next")
    if page.exact:  # past a capped count the last page is not known
        link(page.last_page, "last")
    resp.headers["Link"] = ", ".join(links)
    return resp


def sync_response(page: SyncPage, items: list[dict]) -> Response:
    """A sync read (cursor paging) as a bare JSON array: X-Total-Count (rows from the cursor on),
    X-Next-Cursor always, and Link rel="next" while more rows follow."""
    resp = jsonify(items)
    resp.headers["X-Total-Count"] = str(page.remaining)
    resp.headers["X-Total-Count-Exact"] = "true" if page.exact else "false"
    resp.headers["X-Next-Cursor"] = page.next_cursor
    if page.more:
        args = {key: ",".join(values) for key, values in request.args.lists() if key != "page"}
        args["cursor"] = page.next_cursor
        base = current_app.config.get("PUBLIC_BASE_URL", "") + request.script_root + request.path
        resp.headers["Link"] = f'<{base}?{urlencode(args)}>; rel="next"'
    return resp


def documented(
    *,
    summary: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
    auth: bool = True,
    permission: str | None = None,
    description: str | None = None,
    unauthorized: bool | None = None,
    other_responses: dict[int, str] | None = None,
    request_content: dict | None = None,
    response_content: dict | None = None,
) -> Callable:
    """Mark a view with what the OpenAPI document says of it, and require a valid token."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            # A request authenticated by an API key (api_keys.py) already has its acting user, and
            # one whose token the rate-limit key verified (platform/extensions.py) its claims.
            if auth and g.get("api_key") is None and not request.environ.get(TOKEN_VERIFIED):
                verify_jwt_in_request()
            return view(*args, **kwargs)

        wrapper.openapi = {  # type: ignore[attr-defined]
            "summary": summary, "body": body, "query": query, "response": response, "status": status,
            "auth": auth, "permission": permission, "description": description,
            # Can answer 401: every authenticated route, and the login/refresh routes themselves.
            "unauthorized": auth if unauthorized is None else unauthorized,
            # Further success answers without a body, e.g. {204: "Deleted"}.
            "other_responses": other_responses or {},
            # A body or an answer that is not JSON (uploads, image bytes): OpenAPI `content` as given.
            "request_content": request_content, "response_content": response_content,
        }
        return wrapper

    return decorate
