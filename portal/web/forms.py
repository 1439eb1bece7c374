"""Form posts -> the same pydantic schemas the API uses, with errors keyed by field for the page."""
from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from werkzeug.datastructures import MultiDict

from portal.schemas.messages import people_errors

M = TypeVar("M", bound=BaseModel)


def _is_list(model: type[BaseModel], key: str) -> bool:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            origin = getattr(info.annotation, "__origin__", None)
            return origin in (list, set, tuple) or "list[" in str(info.annotation)
    return False


def form_data(model: type[BaseModel], form: MultiDict, *, skip: tuple[str, ...] = ()) -> dict:
    """The raw values form_model validates: csrf_token and keys starting with `skip` dropped,
    "" as absent, list fields read with getlist."""
    data: dict = {}
    for key in form:
        if key == "csrf_token" or key.startswith(skip):
            continue
        if _is_list(model, key):
            values = [v for v in form.getlist(key) if v != ""]
            if values:
                data[key] = values
        elif form.get(key, "") != "":
            data[key] = form.get(key)
    return data


def validate_model(model: type[M], data: dict) -> M | dict[str, str]:
    """`model` from form values, or {field: message} in words for people (portal/schemas/messages.py);
    nested errors keep their path (e.g. checklist[2].description)."""
    try:
        # A form's values are all strings: parse them laxly ("5" is 5, "true" is true) even for the
        # API's strict JSON payloads; ranges and lengths are the same rules.
        return model.model_validate(data, strict=False, by_alias=True, by_name=True)
    except PydanticError as exc:
        errors: dict[str, str] = {}
        for err in people_errors(exc, model):
            errors.setdefault(err["field"], err["message"])
        return errors


def form_model(model: type[M], form: MultiDict) -> M | dict[str, str]:
    """`model` from a submitted form, or {field: message} to show next to each input.

    csrf_token is dropped; an empty input counts as absent (so optional fields stay None and
    required ones say "<Label> is required"); multi-value fields (checkboxes, multi-selects) are read
    with getlist; inputs may be named after the field or its API alias.
    """
    return validate_model(model, form_data(model, form))


def local_date(value: str | None, tz: ZoneInfo) -> str | None:
    """A date input's "2026-12-01" as midnight in the warehouse's zone, ISO with its offset, for
    the schemas' UtcDateTime. Anything else is passed on for the schema to refuse."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return value
    return datetime(day.year, day.month, day.day, tzinfo=tz).isoformat()


def date_input(value: datetime | None, tz: ZoneInfo) -> str:
    """A stored date-time as a date input's value, in the warehouse's zone."""
    return value.astimezone(tz).date().isoformat() if value else ""
