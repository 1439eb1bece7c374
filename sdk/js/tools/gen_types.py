"""Write models.d.ts (the API's objects as TypeScript interfaces) from the OpenAPI document.

    .venv/bin/python sdk/js/tools/gen_types.py          # from the app's /api/openapi.json, in process

tests/test_js_sdk.py regenerates it and fails when the committed file differs, so the SDK's
declarations never drift from the server.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "models.d.ts"
HEADER = ("// Generated from the MaintainPro OpenAPI document by tools/gen_types.py: do not edit by hand.\n"
          "// Times are ISO-8601 UTC strings with milliseconds; money is a decimal string (\"12.50\").\n")


def ts_type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return " | ".join(json.dumps(value) for value in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            parts: list[str] = []
            for branch in schema[key]:
                text = ts_type(branch)
                if text not in parts:
                    parts.append(text)
            return " | ".join(parts)
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join(ts_type({**schema, "type": k}) for k in kind)
    if kind == "string":
        return "string"
    if kind in ("integer", "number"):
        return "number"
    if kind == "boolean":
        return "boolean"
    if kind == "null":
        return "null"
    if kind == "array":
        inner = ts_type(schema.get("items", {}))
        return f"Array<{inner}>"
    if kind == "object" or "properties" in schema:
        if "properties" in schema:
            return "{ " + " ".join(_members(schema, inline=True)) + " }"
        extra = schema.get("additionalProperties")
        return f"Record<string, {ts_type(extra) if isinstance(extra, dict) else 'unknown'}>"
    return "unknown"


def _members(schema: dict[str, Any], inline: bool = False) -> list[str]:
    required = set(schema.get("required", []))
    lines = []
    for name, prop in schema.get("properties", {}).items():
        optional = "" if name in required else "?"
        key = name if name.isidentifier() else json.dumps(name)
        doc = prop.get("description")
        line = f"{key}{optional}: {ts_type(prop)};"
        if doc and not inline:
            lines.append(f"  /** {' '.join(doc.split()).replace('*/', '* /')} */")
        lines.append(line if inline else f"  {line}")
    return lines


def render(openapi: dict[str, Any]) -> str:
    out = [HEADER]
    for name, schema in sorted(openapi["components"]["schemas"].items()):
        if schema.get("type") == "object" or "properties" in schema:
            out.append(f"export interface {name} {{")
            out.extend(_members(schema))
            out.append("}\n")
        else:
            out.append(f"export type {name} = {ts_type(schema)};\n")
    out.extend(_operations(openapi))
    return "\n".join(out)


METHODS = ("get", "put", "post", "patch", "delete", "head")


def _query_type(schema: dict[str, Any]) -> str:
    """A query parameter's type: a comma list (style form, explode false) may also be one value or the
    list already joined; null means "not given" (the client leaves it out)."""
    branches = schema.get("anyOf", [schema])
    parts: list[str] = []
    for branch in branches:
        if branch.get("type") == "array":
            inner = ts_type(branch.get("items", {}))
            found = [f"Array<{inner}>", inner if " | " not in inner else f"({inner})", "string"]
        else:
            found = [ts_type(branch)]
        parts.extend(text for text in found if text not in parts)
    return " | ".join(parts)


def _content_type(content: dict[str, Any], *, body: bool) -> str:
    if not content:
        return "undefined" if body else "unknown"
    kind, media = next(iter(content.items()))
    if "json" in kind and "ndjson" not in kind:
        return ts_type(media.get("schema", {}))
    if kind == "multipart/form-data":
        return "FormData"
    if kind.startswith("image/"):
        return "ArrayBuffer"
    return "string"


def _operations(openapi: dict[str, Any]) -> list[str]:
    """`Operations`: every operation of the document by its operationId, with its method, path (below
    /api), query parameters, request body and answer: the client's methods are typed from it, and
    tests/test_js_sdk.py checks that the client has a method for each."""
    out = ["/** Every operation of the API by operationId: method, path below /api, query, body, answer. */",
           "export interface Operations {"]
    for path, item in sorted(openapi["paths"].items()):
        for method in METHODS:
            operation = item.get(method)
            if not operation:
                continue
            query = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
            members = []
            for param in query:
                key = param["name"] if param["name"].isidentifier() else json.dumps(param["name"])
                optional = "" if param.get("required") else "?"
                members.append(f"{key}{optional}: {_query_type(param.get('schema', {}))};")
            responses = operation.get("responses", {})
            ok = next((responses[c] for c in sorted(responses) if c.startswith("2")), {})
            out.append(f"  {operation['operationId']}: {{")
            out.append(f"    method: {json.dumps(method.upper())};")
            out.append(f"    path: {json.dumps(path.removeprefix('/api'))};")
            out.append("    query: {" + (" " + " ".join(members) + " }" if members else "}") + ";")
            body = operation.get("requestBody", {}).get("content", {})
            out.append(f"    body: {_content_type(body, body=True)};")
            out.append(f"    response: {_content_type(ok.get('content', {}), body=False)};")
            out.append("  };")
    out.append("}\n")
    return out


def current_openapi() -> dict[str, Any]:
    sys.path.insert(0, str(HERE.parents[2]))
    from portal.api.openapi_document import openapi_document

    return openapi_document()


if __name__ == "__main__":
    OUT.write_text(render(current_openapi()))
    print(f"wrote {OUT}")
