"""pydantic errors as the contract's [{field, message}] list: the API and the portal's forms share it."""
from __future__ import annotations

from pydantic import ValidationError as PydanticError

from portal.schemas.common import READ_ONLY_FIELDS


def _field_path(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not path:
            path = str(part)
        else:
            path += f".{part}"
    return path or "body"


def pydantic_errors(exc: PydanticError) -> list[dict]:
    errors = []
    for err in exc.errors():
        field = _field_path(tuple(p for p in err["loc"] if p not in ("function-after", "function-before")))
        leaf = str(err["loc"][-1]) if err["loc"] else ""
        if err["type"] == "extra_forbidden":
            message = "Read-only field" if leaf in READ_ONLY_FIELDS else "Unknown field"
        elif err["type"] == "missing":
            message = "Field required"
        else:
            message = err["msg"]
        errors.append({"field": field, "message": message})
    return errors
