"""Validating an event's delivery body against the OpenAPI document's `webhooks` section."""
from __future__ import annotations

from typing import Any

from flask import Flask
from jsonschema.validators import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from portal.api.docs import build_openapi

DOCUMENT = "urn:maintainpro:openapi"


def closed(node: Any) -> Any:
    """The document with every object schema closed to undeclared properties, so a field a payload
    carries but its schema does not name (in the payload or the entities it embeds) fails."""
    if isinstance(node, list):
        return [closed(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: closed(value) for key, value in node.items()}
    if isinstance(out.get("properties"), dict) and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


class DeliveryChecker:
    """errors(body): how a delivered body departs from its event's documented schema ([] if it does not)."""

    def __init__(self, app: Flask) -> None:
        with app.test_request_context():
            self.spec = closed(build_openapi())
        self.registry = Registry().with_resource(DOCUMENT, DRAFT202012.create_resource(self.spec))

    def errors(self, body: dict) -> list[str]:
        if body.get("event") not in self.spec["webhooks"]:
            return [f"undocumented event {body.get('event')!r}"]
        pointer = f"{DOCUMENT}#/webhooks/{body['event']}/post/requestBody/content/application~1json/schema"
        validator = Draft202012Validator({"$ref": pointer}, registry=self.registry)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
