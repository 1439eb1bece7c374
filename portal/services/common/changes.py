"""Applying a PATCH: which fields changed, from what to what (history and *.updated events)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from portal.services.common.errors import field_error


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def jsonable(value: Any) -> Any:
    from portal.schemas.common import iso

    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def given_fields(data: BaseModel, not_null: tuple[str, ...]) -> dict[str, Any]:
    """The fields a PATCH body named; explicit null is refused where a value is required."""
    values = {name: getattr(data, name) for name in data.model_fields_set}
    for name in not_null:
        if name in values and values[name] is None:
            raise field_error(camel(name), "May not be null")
    return values


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, dict]:
    """Set the values on obj; return {camelName: {from, to}} for those that differ."""
    changes = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            changes[camel(name)] = {"from": jsonable(old), "to": jsonable(value)}
            setattr(obj, name, value)
    return changes
