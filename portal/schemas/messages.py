"""pydantic errors in words for people: the portal's forms, the public report form and the import
report show these, never a validator's own text.

The API keeps its contract's messages (portal/schemas/errors.py); this module is the one place that
writes for people: a sentence per pydantic error type, naming the field by its label (the
schema's `title` when it gives one, else LABELS, else its name spelled out: installDate -> "Install
date"), and OVERRIDES where a better sentence exists for one field of one schema. Our own
validators' messages (value_error) are already written for people: they are kept, without
pydantic's "Value error, " prefix.
"""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from portal.schemas.common import DATE_MAX, DATE_MIN
from portal.schemas.errors import pydantic_errors

# Fields whose name spelled out is not what a person calls them.
LABELS: dict[str, str] = {
    "assignedTo": "Assignee",
    "code": "Code",
    "dueDate": "Due date",
    "equipmentId": "Asset",
    "equipmentIds": "Assets",
    "ids": "Work orders",
    "leadDays": "Lead time",
    "partId": "Part",
    "q": "Search",
    "quantityUsed": "Quantity",
    "reporterContact": "Contact",
    "reporterEmail": "E-mail",
    "reporterName": "Your name",
    "unitCost": "Unit cost",
    "url": "URL",
    "userId": "Person",
    "workOrderId": "Work order",
}

WEB_ADDRESS = "Enter a web address such as https://hooks.example.com/maintainpro"
# (schema, field, kind) -> the sentence. kind is the error's type, or "empty" for a required
# value left out (missing, an empty text, an empty list).
OVERRIDES: dict[tuple[str, str, str], str] = {
    ("ProblemReportCreate", "description", "empty"): "Enter what you saw",
    ("ProblemReportCreate", "reporterName", "empty"): "Enter your name, so the team knows who to ask",
    ("WebhookCreate", "events", "empty"): "Choose at least one event",
    ("WebhookUpdate", "events", "empty"): "Choose at least one event",
    ("WorkOrderCreate", "title", "empty"): "Enter a title",
    ("WorkOrderUpdate", "holdReason", "empty"): "Say what the work order is waiting for",
    ("WorkOrderBulkAssign", "ids", "empty"): "Tick at least one work order",
    ("CommentCreate", "body", "empty"): "Write a comment",
    ("LaborCreate", "minutes", "empty"): "Enter the minutes worked",
    ("ProblemReportCreate", "reporterEmail", "string_pattern_mismatch"):
        "Enter an e-mail address such as name@example.com, or leave it empty",
    ("UserCreate", "email", "string_pattern_mismatch"): "Enter an email address such as name@example.com",
    ("WebhookCreate", "url", "string_pattern_mismatch"): WEB_ADDRESS,
    ("WebhookUpdate", "url", "string_pattern_mismatch"): WEB_ADDRESS,
    ("LoginForm", "email", "empty"): "Enter your email address",
    ("LoginForm", "password", "empty"): "Enter your password",
    ("CodeForm", "code", "empty"): "Enter the 6-digit code from your authenticator app",
    ("CodeForm", "code", "string_pattern_mismatch"): "Enter the 6-digit code from your authenticator app",
}

DATE_SENTENCE = f"must be a date between {DATE_MIN:%Y-%m-%d} and {DATE_MAX:%Y-%m-%d}, such as 2026-12-01"
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def label_of(field: str, model: type[BaseModel] | None = None) -> str:
    """The name a person knows a field by: "checklist[2].description" -> "Description"."""
    leaf = re.sub(r"\[\d+\]", "", field.rsplit(".", 1)[-1])
    if model is not None and field == leaf:
        for name, info in model.model_fields.items():
            if leaf in (name, info.alias) and info.title:
                return info.title
    if leaf in LABELS:
        return LABELS[leaf]
    words = _CAMEL.sub(" ", leaf).replace("_", " ").strip().lower()
    return words[:1].upper() + words[1:] if words else "This value"


def required_message(field: str, model: type[BaseModel] | str | None = None) -> str:
    """What a required field left empty says."""
    schema = model if isinstance(model, str) else (model.__name__ if model else "")
    leaf = re.sub(r"\[\d+\]", "", field.rsplit(".", 1)[-1])
    return OVERRIDES.get((schema, leaf, "empty")) or f"{label_of(field, None if isinstance(model, str) else model)} is required"


def _number(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _choices(expected: str) -> str:
    """pydantic's "'low', 'medium' or 'high'" as "low, medium, high"."""
    return ", ".join(re.findall(r"'([^']*)'", expected)) or expected


def _own_words(err: dict) -> str:
    """A value_error / assertion_error raised by our validators, without pydantic's prefix."""
    error = (err.get("ctx") or {}).get("error")
    text = str(error) if error is not None else str(err.get("msg", ""))
    for prefix in ("Value error, ", "Assertion failed, "):
        text = text.removeprefix(prefix)
    return text


def _own_sentence(label: str, err: dict) -> str:
    """Our validators' message; the two the API words for programs (money as a "decimal string",
    dates as "ISO-8601") said the way a person types them."""
    text = _own_words(err)
    if text.startswith("Must be a decimal string"):
        if isinstance(err.get("input"), str) and err["input"].strip().startswith("-"):
            return f"{label} cannot be negative"
        return f"{label} must be an amount such as 12.50"
    if text.startswith("Must be an ISO-8601 date-time"):
        return f"{label} {DATE_SENTENCE}"
    return text


def _sentence(kind: str, label: str, ctx: dict, err: dict) -> str:
    if kind in ("value_error", "assertion_error"):
        return _own_sentence(label, err)
    if kind == "string_too_short":
        return f"{label} must be at least {_number(ctx.get('min_length'))} characters"
    if kind == "string_too_long":
        return f"{label} must be at most {_number(ctx.get('max_length'))} characters"
    if kind == "too_short":
        return f"{label} needs at least {_number(ctx.get('min_length'))}"
    if kind == "too_long":
        return f"{label} can have at most {_number(ctx.get('max_length'))}"
    if kind == "greater_than_equal":
        bound = ctx.get("ge")
        return f"{label} cannot be negative" if bound == 0 else f"{label} must be {_number(bound)} or more"
    if kind == "greater_than":
        return f"{label} must be more than {_number(ctx.get('gt'))}"
    if kind == "less_than_equal":
        return f"{label} must be {_number(ctx.get('le'))} or less"
    if kind == "less_than":
        return f"{label} must be less than {_number(ctx.get('lt'))}"
    if kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        return f"{label} must be a whole number"
    if kind in ("float_parsing", "float_type", "finite_number", "decimal_parsing", "decimal_type"):
        return f"{label} must be a number"
    if kind == "decimal_max_places":
        return f"{label} can have at most {_number(ctx.get('decimal_places'))} decimals"
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return f"{label} is too large"
    if kind in ("enum", "literal_error"):
        return f"{label} must be one of: {_choices(str(ctx.get('expected', '')))}"
    if kind in ("bool_parsing", "bool_type"):
        return f"{label} must be yes or no (true or false)"
    if kind.startswith(("date", "datetime", "time", "timezone")):
        return f"{label} {DATE_SENTENCE}"
    if kind.startswith("url"):
        return f"{label} must be a web address such as https://hooks.example.com/maintainpro"
    if kind == "string_pattern_mismatch":
        return f"{label} is not in the expected form"
    if kind == "extra_forbidden":
        return f"{label} cannot be set here"
    return f"{label} is not valid"


def _kind(err: dict) -> str:
    """The error's type, or "empty" for a required value left out."""
    kind = err["type"]
    min_length = (err.get("ctx") or {}).get("min_length")
    if kind == "missing" or (kind in ("string_too_short", "too_short") and min_length == 1):
        return "empty"
    if kind == "value_error" and _own_words(err) == "Must not be blank":
        return "empty"
    return kind


def people_errors(exc: PydanticError, model: type[BaseModel] | None = None) -> list[dict]:
    """[{field, message}] of a validation error, in words for people (same fields as the API's)."""
    schema = model.__name__ if model is not None else exc.title
    out = []
    for err, api in zip(exc.errors(), pydantic_errors(exc), strict=True):
        field = api["field"]
        leaf = re.sub(r"\[\d+\]", "", field.rsplit(".", 1)[-1])
        kind = _kind(err)
        message = OVERRIDES.get((schema, leaf, kind))
        if message is None:
            if kind == "empty":
                message = required_message(field, model or schema)
            else:
                message = _sentence(err["type"], label_of(field, model), err.get("ctx") or {}, err)
        out.append({"field": field, "message": message})
    return out

