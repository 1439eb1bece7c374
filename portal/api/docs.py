"""GET /api/openapi.json, generated from the routes and their pydantic models, and GET /api/docs."""
from __future__ import annotations

import re
from typing import Any, get_args, get_origin

from flask import current_app, jsonify, render_template
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from portal.api.blueprint import api
from portal.api.common import documented
from portal.api.webhook_docs import HEADERS as WEBHOOK_HEADERS
from portal.api.webhook_docs import VERIFICATION_INTRO, VERIFY_JS, VERIFY_PYTHON, webhooks_section
from portal.platform.ratelimits import RATE_LIMIT_HEADERS, rate_limited_response
from portal.schemas.common import ErrorResponse
from portal.schemas.events import EVENTS
from portal.services.identity.permissions import PERMISSIONS

REF = "#/components/schemas/{model}"
ERROR_STATUSES = {
    "400": "Invalid request data",
    "401": "Authentication required",
    "403": "Insufficient permissions",
    "404": "Not found (also: another warehouse's record)",
    "409": "Conflict (duplicate, invalid transition, insufficient stock)",
}
# Request limits (portal/platform/http/security.py): 414 on every route, 413/415 where a body is read.
URL_TOO_LONG = {"414": "URL (path and query) longer than MAX_URL_BYTES (default 4096 bytes)"}
# Writes take an Idempotency-Key (portal/platform/http/idempotency.py).
IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    "description": (
        "Your own unique key for this write (a UUID): send the same request again with the same key, "
        "after a timeout or from an offline queue, and it runs once. A repeat answers the first answer "
        "with `Idempotency-Replayed: true`; the same key with another request answers 422; a repeat while "
        "the first still runs waits for its answer (up to 5 s), else answers 409: send it again. Keys are your own (another caller's equal "
        "key is another key) and kept IDEMPOTENCY_KEEP_DAYS (default 7). Answers 429, 503 and 5xx are "
        "not kept: a retry with the same key runs again."),
}
IDEMPOTENCY_STATUSES = {
    "422": "Idempotency-Key already used for another request",
    "409": "; or the first request with this Idempotency-Key is still running: send it again",
}
BODY_STATUSES = {
    "413": "Body larger than MAX_BODY_BYTES (default 1 MiB)",
    "415": "Body is not application/json in UTF-8",
}


def _model_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    if get_origin(annotation) is list:
        return get_args(annotation)[0], True
    return annotation, False


def describe_schema(schema: dict) -> str:
    """A parameter's type as a reader wants it: "array of new | assigned", "string (date-time)"."""
    branches = [b for b in schema.get("anyOf", [schema]) if b.get("type") != "null"]
    parts = []
    for branch in branches:
        if "$ref" in branch:
            parts.append(branch["$ref"].rsplit("/", 1)[1])
        elif "const" in branch:
            parts.append(str(branch["const"]))
        elif isinstance(branch.get("additionalProperties"), dict) and "$ref" in branch["additionalProperties"]:
            parts.append("map of " + branch["additionalProperties"]["$ref"].rsplit("/", 1)[1])
        elif branch.get("type") == "array":
            parts.append("comma list of " + describe_schema(branch.get("items", {})))
        elif branch.get("enum"):
            parts.append(" | ".join(map(str, branch["enum"])))
        elif branch.get("format"):
            parts.append(f"{branch.get('type', 'string')} ({branch['format']})")
        else:
            parts.append(branch.get("type", "object"))
    return " or ".join(parts) or "object"


# The whitespace Python's str.strip() removes, spelled for an ECMA-262 pattern (not \\s: the two
# sets differ), and the text rules every request string follows: no NUL (PostgreSQL cannot store
# it) and, where a value is required (minLength >= 1), not only whitespace (it is trimmed).
_WS = r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NO_NUL = r"^[^\u0000]*$"
NOT_BLANK = rf"^[^\u0000]*[^\u0000{_WS}][^\u0000]*$"


def _text_rules(schema: Any, defs: dict, seen: set[str]) -> None:
    """Add the NUL and blank rules to every plain string of a request schema, following $refs."""
    if isinstance(schema, list):
        for item in schema:
            _text_rules(item, defs, seen)
        return
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            _text_rules(defs.get(name), defs, seen)
    if schema.get("type") == "string" and not {"pattern", "format", "enum", "const"} & set(schema):
        schema["pattern"] = NOT_BLANK if schema.get("minLength", 0) >= 1 else NO_NUL
    for key, value in schema.items():
        if key in ("properties", "$defs"):
            for sub_schema in value.values():
                _text_rules(sub_schema, defs, seen)
        elif key in ("items", "anyOf", "oneOf", "allOf", "additionalProperties", "not"):
            _text_rules(value, defs, seen)


def _is_array(schema: dict) -> bool:
    return any(b.get("type") == "array" for b in schema.get("anyOf", [schema]))


def build_openapi() -> dict:
    app = current_app
    operations = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api"):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "openapi", None)
        if meta is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operations.append((rule, method.lower(), view, meta))

    wanted: set[tuple[type[BaseModel], str]] = {(ErrorResponse, "serialization")}
    wanted |= {(doc.payload, "serialization") for doc in EVENTS.values()}  # the webhooks' payloads
    for _rule, _method, _view, meta in operations:
        if meta["body"]:
            wanted.add((meta["body"], "validation"))
        model, _ = _model_of(meta["response"])
        if model:
            wanted.add((model, "serialization"))
    ordered = sorted(wanted, key=lambda pair: (pair[0].__name__, pair[1]))
    refs, defs = models_json_schema(ordered, ref_template=REF)
    schemas = defs.get("$defs", {})
    seen: set[str] = set()
    for model, mode in ordered:
        if mode == "validation":
            _text_rules(refs[(model, mode)], schemas, seen)

    paths: dict[str, dict] = {}
    for rule, method, view, meta in operations:
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        op: dict[str, Any] = {
            "operationId": view.__name__,
            "summary": meta["summary"],
            "tags": [path.split("/")[2]],
            "responses": {},
        }
        description = meta["description"] or ""
        if meta["permission"]:
            roles = ", ".join(sorted(PERMISSIONS[meta["permission"]] - {"system"}))
            description = (description + f"\n\nRoles: {roles}.").strip()
        if description:
            op["description"] = description
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in rule.arguments]
        if meta["query"]:
            schema = meta["query"].model_json_schema(ref_template=REF)
            _text_rules(schema, {}, set())
            for name, prop in schema.get("properties", {}).items():
                param = {"name": name, "in": "query", "required": name in schema.get("required", []),
                         "description": prop.get("description", ""), "schema": prop}
                if _is_array(prop):  # the contract's comma lists: status=new,assigned
                    param.update(style="form", explode=False)
                params.append(param)
        if method in ("post", "put", "patch", "delete") and meta["auth"]:
            params.append(IDEMPOTENCY_PARAMETER)
        if params:
            op["parameters"] = params
        if meta["body"]:
            # Optional when every field is: POST /api/auth/refresh works with no body at all.
            required = any(f.is_required() for f in meta["body"].model_fields.values())
            op["requestBody"] = {"required": required, "content": {
                "application/json": {"schema": refs[(meta["body"], "validation")]}}}
        if meta.get("request_content"):
            op["requestBody"] = {"required": True, "content": meta["request_content"]}
        model, many = _model_of(meta["response"])
        ok: dict[str, Any] = {"description": {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content"}.get(meta["status"], "OK")}
        if model:
            schema = refs[(model, "serialization")]
            ok["content"] = {"application/json": {"schema": {"type": "array", "items": schema} if many else schema}}
        if meta.get("response_content"):
            ok["content"] = meta["response_content"]
        if many:
            ok["headers"] = {
                "X-Total-Count": {"schema": {"type": "integer"}, "description": (
                    "Rows matching the filters (with `cursor`: rows from the cursor on); counted up to "
                    "LIST_COUNT_CAP (10,000; a `q` search SEARCH_COUNT_CAP, 1,000) or the end of the page "
                    "asked for, beyond that a lower bound "
                    "(see X-Total-Count-Exact and, where offered, `count=exact`)")},
                "X-Total-Count-Exact": {"schema": {"type": "boolean"}, "description": (
                    "`true`: X-Total-Count is the number of rows; `false`: counting stopped there, more "
                    "rows follow (and Link has no rel=\"last\")")},
                "Link": {"schema": {"type": "string"}, "description": (
                    "RFC 8288 first/prev/next/last (with `cursor`: next only, while more rows follow; "
                    "no last while X-Total-Count-Exact is false)")},
            }
            if meta["query"] is not None and "cursor" in meta["query"].model_fields:
                ok["headers"]["X-Next-Cursor"] = {"schema": {"type": "string"}, "description": (
                    "With `cursor`: where the next sync read starts (after this page's last row); keep it "
                    "to read only what changed since")}
        ok["headers"] = {**ok.get("headers", {}), **RATE_LIMIT_HEADERS}
        op["responses"][str(meta["status"])] = ok
        error_ref = refs[(ErrorResponse, "serialization")]
        for code, text in meta.get("other_responses", {}).items():
            op["responses"][str(code)] = {"description": text}
            if code in (200, 201) and "content" in ok:  # the other success of a create-or-update: the same body
                op["responses"][str(code)] = {**ok, "description": text}
            if code >= 400:
                op["responses"][str(code)]["content"] = {"application/json": {"schema": error_ref}}
            elif "content" in ok:  # another success (an idempotent create's 200): the same body
                op["responses"][str(code)]["content"] = ok["content"]
        statuses = {**ERROR_STATUSES, **(BODY_STATUSES if meta["body"] else {}), **URL_TOO_LONG}
        for code in meta.get("other_responses", {}):  # e.g. an upload's own 413 text
            statuses.pop(str(code), None)
        if method in ("post", "put", "patch", "delete") and meta["auth"]:
            statuses = {**statuses, **IDEMPOTENCY_STATUSES,
                        "409": statuses.get("409", ERROR_STATUSES["409"]) + IDEMPOTENCY_STATUSES["409"]}
        for code, text in statuses.items():
            if code == "401" and not meta["unauthorized"]:
                continue
            op["responses"][code] = {"description": text, "content": {"application/json": {"schema": error_ref}}}
        op["responses"]["429"] = rate_limited_response(error_ref, rule.endpoint, rule.rule)
        if meta["auth"]:
            op["security"] = [{"bearerAuth": []}]
        paths.setdefault(path, {})[method] = op

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "MaintainPro CMMS API",
            "version": "1.0",
            "description": "The MaintainPro API v1. Errors always have the shape {message, errors:[{field, message}]}. "
                           "Times are ISO-8601 UTC with milliseconds; money is a decimal string with two places. "
                           "Request limits: a body is JSON (Content-Type application/json, UTF-8; 415 otherwise) "
                           "of at most MAX_BODY_BYTES (default 1 MiB; 413, checked before the body is read) "
                           "nested at most 64 levels deep (400); the path and query together are at most "
                           "MAX_URL_BYTES (default 4096 bytes; 414). Request lines above 8190 bytes and headers "
                           "above 8190 bytes each (or more than 100 of them) are refused by the server "
                           "(gunicorn) itself with a plain 400. Every response carries no-store caching except "
                           "this document and the docs page.",
        },
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "webhooks": webhooks_section(refs),
        "components": {
            "schemas": defs.get("$defs", {}),
            "parameters": WEBHOOK_HEADERS,
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer", "bearerFormat": "JWT or API key",
                "description": "An access token from POST /api/auth/login, or an API key (mp_live_<id>_<secret>) "
                               "from POST /api/api-keys."}},
        },
    }


def app_openapi() -> dict:
    """The app's document, built once per process: it depends only on the routes and their schemas
    (about 0.2 s of pydantic schema generation, which /api/docs and every fetch would repeat)."""
    if "openapi" not in current_app.extensions:
        current_app.extensions["openapi"] = build_openapi()
    return current_app.extensions["openapi"]


@api.get("/openapi.json")
@documented(summary="This OpenAPI 3.1 document", auth=False)
def openapi_json():
    return jsonify(app_openapi())


@api.get("/docs")
@documented(summary="Readable API reference (works offline)", auth=False)
def docs_page():
    return render_template("api/docs.html", spec=app_openapi(), describe=describe_schema,
                           verification_intro=VERIFICATION_INTRO, verify_python=VERIFY_PYTHON, verify_js=VERIFY_JS)
