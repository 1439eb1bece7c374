"""Write maintainpro_client/models.py (the API's objects as TypedDicts) from the OpenAPI document.

    .venv/bin/python sdk/python/tools/gen_models.py     # from the app's build_openapi(), in process

sdk/python/tests/test_python_sdk_typing.py regenerates it and fails when the committed file
differs, so the client's types never drift from the server.
"""
from __future__ import annotations

import json
import keyword
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "maintainpro_client" / "models.py"
HEADER = '''# ruff: noqa: E501
"""The API's objects as TypedDicts. Generated from the MaintainPro OpenAPI document by
tools/gen_models.py: do not edit by hand.

Times are ISO-8601 UTC strings with milliseconds; money is a decimal string ("12.50").
A key that is not always present is NotRequired.
"""
from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict
'''


def py_type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "const" in schema:
        return f"Literal[{json.dumps(schema['const'])}]"
    if "enum" in schema:
        values = [v for v in schema["enum"] if v is not None]
        text = f"Literal[{', '.join(json.dumps(v) for v in values)}]" if values else "None"
        return text + (" | None" if None in schema["enum"] and values else "")
    for key in ("anyOf", "oneOf"):
        if key in schema:
            parts: list[str] = []
            for branch in schema[key]:
                for text in py_type(branch).split(" | "):
                    if text not in parts:
                        parts.append(text)
            if "None" in parts:  # None last: Optional reads better
                parts.remove("None")
                parts.append("None")
            return " | ".join(parts)
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join(py_type({**schema, "type": k}) for k in kind)
    simple = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}
    if kind in simple:
        return simple[kind]
    if kind == "array":
        return f"list[{py_type(schema.get('items', {}))}]"
    if kind == "object" or "properties" in schema:
        extra = schema.get("additionalProperties")
        if "properties" not in schema and isinstance(extra, dict):
            return f"dict[str, {py_type(extra)}]"
        return "dict[str, Any]"
    return "Any"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _typed_dict(name: str, schema: dict[str, Any]) -> list[str]:
    required = set(schema.get("required", []))
    fields = []
    for key, prop in schema.get("properties", {}).items():
        text = py_type(prop)
        fields.append((key, text if key in required else f"NotRequired[{text}]", prop.get("description")))
    doc = schema.get("description") or schema.get("title") or name
    if all(key.isidentifier() and not keyword.iskeyword(key) for key, _, _ in fields):
        lines = [f"class {name}(TypedDict):", f'    """{_one_line(doc).replace(chr(34) * 3, "")}"""', ""]
        for key, text, description in fields:
            if description:
                lines.append(f"    # {_one_line(description)}")
            lines.append(f"    {key}: {text}")
        return lines
    # A key Python cannot spell as an attribute: the functional form, with forward references quoted.
    body = ", ".join(f"{json.dumps(key)}: {json.dumps(text)}" for key, text, _ in fields)
    return [f"{name} = TypedDict({json.dumps(name)}, {{{body}}})"]


def render(openapi: dict[str, Any]) -> str:
    out = [HEADER + "\n"]
    for name, schema in sorted(openapi["components"]["schemas"].items()):
        if schema.get("type") == "object" or "properties" in schema:
            out.append("\n".join(_typed_dict(name, schema)) + "\n\n")
        else:
            out.append(f'{name}: TypeAlias = "{py_type(schema)}"\n\n')
    text = "\n".join(out).rstrip() + "\n"
    if ": TypeAlias = " in text:
        text = text.replace("NotRequired, TypedDict", "NotRequired, TypeAlias, TypedDict", 1)
    return re.sub(r"\n{4,}", "\n\n\n", text)


def current_openapi() -> dict[str, Any]:
    sys.path.insert(0, str(HERE.parents[2]))
    from portal.api.openapi_document import openapi_document

    return openapi_document()


if __name__ == "__main__":
    OUT.write_text(render(current_openapi()))
    print(f"wrote {OUT}")
