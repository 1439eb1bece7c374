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
    return "\n".join(out)


def current_openapi() -> dict[str, Any]:
    import os
    import tempfile

    root = HERE.parents[2]
    sys.path.insert(0, str(root))
    instance = tempfile.mkdtemp(prefix="maintainpro-gen-types-")
    os.environ.setdefault("MAINTAINPRO_INSTANCE", instance)
    from portal import create_app
    from portal.api.docs import build_openapi

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/types.db",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        return build_openapi()


if __name__ == "__main__":
    OUT.write_text(render(current_openapi()))
    print(f"wrote {OUT}")
