"""Form posts -> the same pydantic schemas the API uses, with errors keyed by field for the page."""
from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from werkzeug.datastructures import MultiDict

from ..schemas.errors import pydantic_errors

M = TypeVar("M", bound=BaseModel)


def _is_list(model: type[BaseModel], key: str) -> bool:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            origin = getattr(info.annotation, "__origin__", None)
            return origin in (list, set, tuple) or "list[" in str(info.annotation)
    return False


def form_model(model: type[M], form: MultiDict) -> M | dict[str, str]:
    """`model` from a submitted form, or {field: message} to show next to each input.

    csrf_token is dropped; an empty input counts as absent (so optional fields stay None and
    required ones say "Field required"); multi-value fields (checkboxes, multi-selects) are read
    with getlist; inputs may be named after the field or its API alias.
    """
    data: dict = {}
    for key in form:
        if key == "csrf_token":
            continue
        if _is_list(model, key):
            values = [v for v in form.getlist(key) if v != ""]
            if values:
                data[key] = values
        elif form.get(key, "") != "":
            data[key] = form.get(key)
    try:
        # A form's values are all strings: parse them laxly ("5" is 5, "true" is true) even for the
        # API's strict JSON payloads; ranges and lengths are the same rules.
        return model.model_validate(data, strict=False, by_alias=True, by_name=True)
    except PydanticError as exc:
        errors: dict[str, str] = {}
        for err in pydantic_errors(exc):
            errors.setdefault(err["field"], err["message"])
        return errors
