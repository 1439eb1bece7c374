"""Shared pieces of the validation models: camelCase names, UTC times, money, list params."""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from types import UnionType
from typing import Annotated, Any, Literal, NamedTuple, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo

# Every date the API accepts lies in this range (documented in the OpenAPI document): years
# before 1900 are typos, and later ones would overflow date arithmetic (due dates, schedules).
DATE_MIN = datetime(1900, 1, 1, tzinfo=UTC)
DATE_MAX = datetime(2999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
DATE_RANGE_TEXT = "between 1900-01-01T00:00:00Z and 2999-12-31T23:59:59Z"
# A 4-digit year in that range, then the rest of an ISO-8601 date-time.
_ISO_START = re.compile(r"(19|2\d)\d\d-\d\d-\d\d")
# Money as the contract prints it: up to 10 integer digits and 2 decimals (NUMERIC(12, 2)).
MONEY_PATTERN = r"^\d{1,10}(\.\d{1,2})?$"
MONEY_MAX = Decimal("9999999999.99")


def iso(value: datetime | None) -> str | None:
    """ISO-8601 UTC with milliseconds and Z, as in the contract: 2025-01-20T09:00:00.000Z."""
    if value is None:
        return None
    if value.tzinfo is not UTC:  # ours are UTC already (UTCDateTime); a naive one is local time, as before
        value = value.astimezone(UTC)
    # Formatted by hand: strftime was most of the cost of writing a list (the same text: an
    # unpadded year, as glibc's %Y writes it); %-formatting is twice as fast as an f-string here.
    fields = (value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond // 1000)
    return "%d-%02d-%02dT%02d:%02d:%02d.%03dZ" % fields  # noqa: UP031


def _iso_text(value: Any) -> Any:
    """Dates come as ISO-8601 strings (or datetimes from our own code): a number is not a
    date (pydantic would read 0 as 1970-01-01 and "0.5" as a Unix time)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_START.match(value.strip()):
        return value.strip()
    raise ValueError(f"Must be an ISO-8601 date-time {DATE_RANGE_TEXT}, e.g. 2025-01-20T09:00:00Z")


def _in_range(value: datetime) -> datetime:
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValueError(f"Date must be {DATE_RANGE_TEXT}")
    return value


def _money_input(value: Any) -> Any:
    """Money is a decimal string ("12.50") or a JSON number; never a boolean."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValueError("Must be a decimal string such as \"12.50\" or a number")
    if isinstance(value, str) and not re.fullmatch(MONEY_PATTERN, value):
        raise ValueError("Must be a decimal string with up to 10 integer digits and 2 decimals, e.g. \"12.50\"")
    return value


def _as_utc(value: datetime) -> datetime:
    # A time without an offset is taken as UTC: the API speaks UTC only.
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 has no UTC time: a 400, not a 500
        raise ValueError("Date out of range") from None


def _refuse_nul(value: Any) -> Any:
    """PostgreSQL cannot store NUL in text: refuse it up front as a 400 on the field that has it."""
    items = value if isinstance(value, list) else [value]
    if any(isinstance(item, str) and "\x00" in item for item in items):
        raise ValueError("Must not contain NUL characters")
    return value


def _money_str(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


# Input types
# Strict(False): the JSON body is strict, but dates arrive as ISO strings by nature.
UtcDateTime = Annotated[
    datetime, Strict(False), BeforeValidator(_iso_text), AfterValidator(_as_utc), AfterValidator(_in_range),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": r"^(19|2\d)\d\d-",
                    "description": f"ISO-8601 date-time {DATE_RANGE_TEXT}; without an offset it is UTC"}),
]
MoneyIn = Annotated[
    Decimal, Strict(False), BeforeValidator(_money_input), Field(ge=0, le=MONEY_MAX, max_digits=12, decimal_places=2),
    WithJsonSchema({"anyOf": [
        {"type": "number", "minimum": 0, "maximum": 9999999999.99, "multipleOf": 0.01},
        {"type": "string", "pattern": MONEY_PATTERN},
    ], "description": "Money: a decimal string such as \"12.50\" or a number; at most 10 integer digits "
                      "and 2 decimals, not negative"}),
]


def not_null(schema: dict) -> None:
    """json_schema_extra of a PATCH field that may be left out but never set to null (the
    service answers 400 "May not be null"): the document must not advertise null for it."""
    branches = [b for b in schema.pop("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1:
        schema.update(branches[0])
    elif branches:
        schema["anyOf"] = branches
    schema.pop("default", None)


def csv_of(item_type: Any) -> Any:
    """A query parameter given as a comma-separated list: status=new,assigned."""
    return Annotated[list[item_type], BeforeValidator(_split_csv)]

# Output types
UtcOut = Annotated[datetime, PlainSerializer(iso, return_type=str)]
MoneyOut = Annotated[Decimal, PlainSerializer(_money_str, return_type=str)]


def _min_length(field: FieldInfo) -> int:
    return max((getattr(m, "min_length", None) or 0 for m in field.metadata), default=0)


def _wants_int(field: FieldInfo | None) -> bool:
    if field is None:
        return False
    types = get_args(field.annotation) or (field.annotation,)
    return int in types and float not in types


def _trimmed(value: Any, field: FieldInfo | None) -> Any:
    """Surrounding whitespace is removed AFTER minLength/maxLength were checked on the value as
    sent (so the limits are exactly the documented ones); a required text of only whitespace is
    refused (documented as the pattern \\S)."""
    if isinstance(value, str):
        value = value.strip()
        if not value and field is not None and _min_length(field) > 0:
            raise ValueError("Must not be blank")
    elif isinstance(value, list):
        value = [item.strip() if isinstance(item, str) else item for item in value]
    return value


class Payload(BaseModel):
    """A request body: camelCase names, unknown or read-only fields refused.

    Strict: a JSON number is not a string, `true` is not 1, `"2"` is not 2, `0` is not false;
    dates and money are the documented exceptions (UtcDateTime, MoneyIn). NaN and Infinity are
    refused everywhere, so every response stays valid JSON."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", strict=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        # JSON Schema's integer is a mathematical one: 5.0 is the integer 5 (true and "5" are not).
        if isinstance(value, float) and value.is_integer() and _wants_int(cls.model_fields.get(info.field_name or "")):
            return int(value)
        return _refuse_nul(value)

    @field_validator("*", mode="after")
    @classmethod
    def _trim(cls, value: Any, info: ValidationInfo) -> Any:
        return _trimmed(value, cls.model_fields.get(info.field_name or ""))


class Query(BaseModel):
    """Query-string parameters: unknown ones are refused so typos don't silently match all.
    Values are strings by nature and parsed (ints, booleans, ISO dates); NaN/Infinity refused."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _refuse_nul(value)

    @field_validator("*", mode="after")
    @classmethod
    def _trim(cls, value: Any, info: ValidationInfo) -> Any:
        return _trimmed(value, cls.model_fields.get(info.field_name or ""))


class Out(BaseModel):
    """A response object, read from the ORM row, written with camelCase names."""

    model_config = ConfigDict(alias_generator=to_camel, from_attributes=True, populate_by_name=True)

    @classmethod
    def dump(cls, obj: Any, **extra: Any) -> dict:
        data = cls.model_validate(obj).model_dump(mode="json", by_alias=True)
        data.update(extra)
        return data

    @classmethod
    def dump_many(cls, rows: Any) -> list[dict]:
        return [cls.model_validate(r).model_dump(mode="json", by_alias=True) for r in rows]

    @classmethod
    def row_dumper(cls) -> Callable[[Any], dict]:
        """A function giving what dump() gives, from a mapping of field names (a Core row's
        `_mapping`, a dict) read from our own database, without building a model per row.

        Lists answer tens of rows per request, and validating then dumping a model per row was
        a third of the list's CPU (bench/README.md). The function reads this model's fields
        (pydantic's public `model_fields`), so names, aliases, order and the output types'
        serialisers (UtcOut, MoneyOut) cannot drift from dump(); a field of a type it does not
        know fails here, at import, not in a response. tests/test_speed_paths.py compares both
        on the same rows."""
        dumper = cls.__dict__.get("_row_dumper")
        if dumper is None:
            dumper = _row_dumper_of(cls)
            cls._row_dumper = dumper  # type: ignore[attr-defined]  # per class, not inherited
        return dumper


# Field types a row value already has in its JSON form (mode="json" leaves them as they are).
_AS_IS = (str, int, bool, float, dict, type(None))


def _serializer_of(annotation: Any, metadata: list[Any]) -> Callable[[Any], Any] | None:
    """The PlainSerializer function of an output field (None: the value goes out as it is);
    TypeError for a type row_dumper() cannot write exactly as pydantic would."""
    found = [m.func for m in metadata if isinstance(m, PlainSerializer)]
    for arg in (get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)):
        found += [m.func for m in getattr(arg, "__metadata__", ()) if isinstance(m, PlainSerializer)]
        base = get_args(arg)[0] if get_origin(arg) is Annotated else arg
        if get_origin(base) is Literal:
            base = type(get_args(base)[0])
        if not (isinstance(base, type) and issubclass(base, _AS_IS)) and not found:
            raise TypeError(f"row_dumper() cannot write a field of type {annotation!r}")
    return found[0] if found else None


def _row_dumper_of(model: type[BaseModel]) -> Callable[[Any], dict]:
    # (output name, field name, serializer or None), in the model's order.
    fields = tuple((field.alias or name, name, _serializer_of(field.annotation, field.metadata))
                   for name, field in model.model_fields.items())

    def dump(row: Any) -> dict:
        out = {}
        for alias, name, serializer in fields:
            value = row[name]
            # A serializer is never called with None: pydantic writes null for an Optional field.
            out[alias] = value if serializer is None or value is None else serializer(value)
        return out

    return dump


class PageQuery(Query):
    limit: int = Field(100, ge=1, le=500, description="Page size (max 500).")
    # Bounded so that (page - 1) * limit stays a valid SQL OFFSET.
    page: int = Field(1, ge=1, le=1_000_000_000, description="1-based page number; see the Link header.")


class SyncCursor(NamedTuple):
    """A position in a sync read: after the record changed at `at` with id `id` (records read in
    (updatedAt, id) order). Written to clients as an opaque token (encode_cursor)."""

    at: datetime
    id: str


CURSOR_START = "*"


def encode_cursor(position: SyncCursor | None) -> str:
    """The token of a position; `*` (the start) for None. Microseconds kept: updatedAt as written
    to JSON has milliseconds only, and two changes in one millisecond must not look alike."""
    if position is None:
        return CURSOR_START
    text = f"{position.at.astimezone(UTC).isoformat(timespec='microseconds')}|{position.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> SyncCursor | None:
    """The position of a token that encode_cursor() made (None for `*`); ValueError otherwise."""
    if token == CURSOR_START:
        return None
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        at, _, record_id = text.partition("|")
        moment = datetime.fromisoformat(at)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("Not a cursor of this API: start with * and then send X-Next-Cursor back") from None
    if moment.tzinfo is None or not record_id:
        raise ValueError("Not a cursor of this API: start with * and then send X-Next-Cursor back")
    return SyncCursor(moment.astimezone(UTC), record_id)


class SyncQuery(PageQuery):
    """A list that can be read incrementally: change and creation windows, and cursor paging.

    `cursor` switches the list to a sync read: (updatedAt, id) ascending, each page starting after
    the last record of the one before, so a record written meanwhile is neither skipped nor read
    twice in the same version (offset paging shifts under concurrent writes)."""

    updated_since: UtcDateTime | None = Field(None, description=(
        "Only records changed at or after this time (updatedAt >= updatedSince)."))
    created_after: UtcDateTime | None = Field(None, description="Only records created at or after this time.")
    created_before: UtcDateTime | None = Field(None, description="Only records created before this time.")
    cursor: str | None = Field(None, max_length=200, description=(
        "Cursor paging for incremental sync: `*` to start, then the value of the X-Next-Cursor header "
        "(or follow Link rel=\"next\"). Reads in updatedAt order, oldest first, id breaking ties; "
        "X-Total-Count is then the number of records from this cursor on. Keep the last X-Next-Cursor "
        "and send it later to get only what changed since."))

    count: Literal["capped", "exact"] = Field("capped", description=(
        "How X-Total-Count is counted. `capped` (the default): exactly up to LIST_COUNT_CAP rows "
        "(10,000 unless configured; a `q` search up to SEARCH_COUNT_CAP, 1,000) or to the end of the "
        "asked page; beyond, X-Total-Count is that "
        "lower bound, X-Total-Count-Exact is `false` and Link has no rel=\"last\". `exact`: every "
        "matching row is counted (slower over large sets)."))

    @property
    def exact_count(self) -> bool:
        return self.count == "exact"

    @field_validator("cursor")
    @classmethod
    def _known_cursor(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            decode_cursor(value)
            if info.data.get("page", 1) != 1:
                raise ValueError("page and cursor cannot be combined: follow the cursor")
        return value

    @property
    def position(self) -> SyncCursor | None:
        """Where a sync read starts (None: from the first record)."""
        return decode_cursor(self.cursor) if self.cursor else None


class ErrorItem(BaseModel):
    field: str
    message: str


class ErrorResponse(BaseModel):
    message: str
    errors: list[ErrorItem] = []


# Fields a client sees but never writes: named as read-only in the 400 instead of "unknown".
READ_ONLY_FIELDS = frozenset(
    {"id", "warehouseId", "foNumber", "createdAt", "updatedAt", "completedAt", "requestedBy",
     "partsCost", "parts", "history", "lastTotpStep"}
)
