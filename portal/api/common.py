"""What every JSON view shares: body/query parsing, the acting user, paging headers, docs metadata."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Response, jsonify, request
from flask_jwt_extended import current_user, get_jwt, verify_jwt_in_request
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from ..schemas.errors import pydantic_errors  # noqa: F401  (shared with the portal's forms)
from ..services.actor import Actor
from ..services.errors import ValidationFailed
from ..services.querying import Page

M = TypeVar("M", bound=BaseModel)


def parse_model(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except PydanticError as exc:
        raise ValidationFailed("Validation failed", pydantic_errors(exc)) from None


def json_body(model: type[M]) -> M:
    """The request's JSON body as `model`; malformed JSON or a non-object is a 400."""
    # force: a client that forgets the Content-Type header still sends JSON (the contract says JSON).
    data = request.get_json(force=True, silent=True)
    if data is None:
        if request.get_data():
            raise ValidationFailed("Malformed JSON body", [{"field": "body", "message": "Body is not valid JSON"}])
        data = {}
    if not isinstance(data, dict):
        raise ValidationFailed("Validation failed", [{"field": "body", "message": "Body must be a JSON object"}])
    return parse_model(model, data)


def query_args(model: type[M]) -> M:
    # A repeated key (status=new&status=assigned) joins like a comma list.
    data = {key: ",".join(values) for key, values in request.args.lists()}
    return parse_model(model, data)


def actor() -> Actor:
    return Actor.of(current_user)


def session_id() -> str:
    return get_jwt()["sid"]


def page_response(page: Page, items: list[dict]) -> Response:
    """A bare JSON array, as in the contract, with X-Total-Count and an RFC 8288 Link header."""
    resp = jsonify(items)
    resp.headers["X-Total-Count"] = str(page.total)
    # Repeated keys (status=new&status=assigned) are kept, joined as query_args() reads them.
    args = {key: ",".join(values) for key, values in request.args.lists()}
    links = []

    def link(number: int, rel: str) -> None:
        args.update(page=str(number), limit=str(page.limit))
        links.append(f'<{request.base_url}?{urlencode(args)}>; rel="{rel}"')

    link(1, "first")
    if page.page > 1:
        link(min(page.page - 1, page.last_page), "prev")
    if page.page < page.last_page:
        link(page.page + 1, "next")
    link(page.last_page, "last")
    resp.headers["Link"] = ", ".join(links)
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
) -> Callable:
    """Mark a view with what the OpenAPI document says of it, and require a valid token."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if auth:
                verify_jwt_in_request()
            return view(*args, **kwargs)

        wrapper.openapi = {  # type: ignore[attr-defined]
            "summary": summary, "body": body, "query": query, "response": response, "status": status,
            "auth": auth, "permission": permission, "description": description,
            # Can answer 401: every authenticated route, and the login/refresh routes themselves.
            "unauthorized": auth if unauthorized is None else unauthorized,
        }
        return wrapper

    return decorate
