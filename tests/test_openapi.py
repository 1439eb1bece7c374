"""GET /api/openapi.json is a valid OpenAPI 3.1 document of every route; /api/docs shows them offline."""
from __future__ import annotations

import re

import pytest
from jsonschema.validators import Draft202012Validator
from jsonschema_specifications import REGISTRY as METASCHEMAS
from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.schemas import schema_v31
from referencing import Resource

METHODS = {"get", "post", "patch", "put", "delete"}


@pytest.fixture
def spec(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200 and r.is_json
    return r.json


def api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    return routes


class OpenAPI31Validator(OpenAPIV31SpecValidator):
    """openapi-spec-validator's own checks, with the OpenAPI 3.1 schema's references resolved in a
    registry crawled once: uncrawled, every `$dynamicRef` crawled all of it again (2.4 s of CPU
    per document here, 0.6 s so; the same errors for a broken document)."""

    _schema = Resource.from_contents(dict(schema_v31))
    schema_validator = Draft202012Validator(
        dict(schema_v31), registry=METASCHEMAS.with_resource(_schema.id(), _schema).crawl())


def operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def test_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    errors = list(OpenAPI31Validator(spec).iter_errors())  # every error, not only the first
    assert errors == []


def test_no_auth_needed_for_the_document(client):
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/docs").status_code == 200


def test_every_api_route_is_documented(app, spec):
    documented = {(path, method) for path, method, _ in operations(spec)}
    assert api_routes(app) == documented


def test_operation_ids_are_unique(spec):
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids))


def test_every_ref_resolves(spec):
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', __import__("json").dumps(spec)))
    assert refs and refs <= set(spec["components"]["schemas"])


def test_foundation_operations_are_described(spec):
    paths = spec["paths"]
    for path, methods in {
        "/api/auth/login": {"post"}, "/api/auth/refresh": {"post"}, "/api/auth/logout": {"post"},
        "/api/auth/me": {"get"}, "/api/work-orders": {"get", "post"}, "/api/work-orders/{work_order_id}": {"get", "patch"},
        "/api/equipment": {"get", "post"}, "/api/equipment/{equipment_id}": {"get", "patch"},
        "/api/parts": {"get", "post"}, "/api/parts/{part_id}": {"get", "patch"}, "/api/parts/consume": {"post"},
    }.items():
        assert methods <= set(paths[path]), path
    assert "security" not in paths["/api/auth/login"]["post"]
    assert paths["/api/work-orders"]["get"]["security"] == [{"bearerAuth": []}]
    assert set(paths["/api/work-orders"]["post"]["responses"]) >= {"201", "400", "401", "403"}
    listing = paths["/api/work-orders"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {
        "status", "assignedTo", "priority", "equipmentId", "type", "q", "dueBefore", "dueAfter", "sort", "limit", "page",
        "updatedSince", "createdAfter", "createdBefore", "cursor", "count"}
    assert set(listing["responses"]["200"]["headers"]) == {
        "X-Total-Count", "X-Total-Count-Exact", "Link", "X-Next-Cursor", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"


def test_schemas_use_the_contract_names(spec):
    schemas = spec["components"]["schemas"]
    wo_out = next(s for name, s in schemas.items() if name.startswith("WorkOrderOut"))
    assert {"id", "foNumber", "equipmentId", "assignedTo", "requestedBy", "dueDate", "createdAt",
            "warehouseId"} <= set(wo_out["properties"])
    wo_in = next(s for name, s in schemas.items() if name.startswith("WorkOrderCreate"))
    assert wo_in["required"] == ["title"]
    assert wo_in.get("additionalProperties") is False
    part_out = next(s for name, s in schemas.items() if name.startswith("PartOut"))
    assert part_out["properties"]["unitCost"]["type"] == "string"
    error = schemas["ErrorResponse"]
    assert set(error["properties"]) == {"message", "errors"}
    login = next(s for name, s in schemas.items() if name.startswith("LoginRequest"))
    assert set(login["properties"]) == {"email", "password", "mfaToken"}


def test_docs_page_names_every_operation_and_works_offline(client, spec):
    r = client.get("/api/docs")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    for path, _method, op in operations(spec):
        assert f'id="{op["operationId"]}"' in html, op["operationId"]
        assert f'href="#{op["operationId"]}"' in html
        assert path in html
        assert op["summary"] in html.replace("&#39;", "'").replace("&amp;", "&")
    # Nothing loaded from the internet: only local stylesheets and scripts.
    assets = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200



def test_docs_page_tells_lists_from_objects(client):
    html = client.get("/api/docs").get_data(as_text=True)

    def section(operation_id: str) -> str:
        start = html.index(f'<section id="{operation_id}"')
        return html[start:html.index("</section>", start)]

    listing, create = section("list_work_orders"), section("create_work_order")
    assert "array of <a" in listing
    assert "array of" not in create
    assert "in_progress" in listing and "date-time" in listing
    assert 'href="#schema-WorkOrderCreate' in create


def test_comma_list_parameters_are_declared_unexploded(spec):
    params = {p["name"]: p for p in spec["paths"]["/api/work-orders"]["get"]["parameters"]}
    for name in ("status", "priority", "type"):
        assert (params[name]["style"], params[name]["explode"]) == ("form", False)
    assert "explode" not in params["q"]


def test_login_and_refresh_document_their_401_and_refresh_body_is_optional(spec):
    login = spec["paths"]["/api/auth/login"]["post"]
    refresh = spec["paths"]["/api/auth/refresh"]["post"]
    assert "401" in login["responses"] and "401" in refresh["responses"]
    assert "security" not in login
    assert login["requestBody"]["required"] is True
    assert refresh["requestBody"]["required"] is False
    assert "401" not in spec["paths"]["/api/openapi.json"]["get"]["responses"]


def test_the_validator_refuses_broken_documents():
    """OpenAPI31Validator still finds what openapi-spec-validator finds: the schema's errors and its own."""
    base = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}}
    assert list(OpenAPI31Validator({**base, "paths": {}}).iter_errors()) == []
    no_description = {**base, "paths": {"/x": {"get": {"responses": {"200": {}}}}}}
    required_not_boolean = {**base, "paths": {"/x": {"get": {
        "parameters": [{"name": "q", "in": "query", "required": "yes"}], "responses": {"200": {"description": "ok"}}}}}}
    undeclared_path_parameter = {**base, "paths": {"/x/{id}": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    for broken in (no_description, required_not_boolean, undeclared_path_parameter):
        assert list(OpenAPI31Validator(broken).iter_errors()) != [], broken
