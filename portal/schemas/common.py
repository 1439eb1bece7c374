"""Shared pieces of the validation models: camelCase names, UTC times, money, list params."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, field_validator
from pydantic.alias_generators import to_camel


def iso(value: datetime | None) -> str | None:
    """ISO-8601 UTC with milliseconds and Z, as in the contract: 2025-01-20T09:00:00.000Z."""
    if value is None:
        return None
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _as_utc(value: datetime) -> datetime:
    # A time without an offset is taken as UTC: the API speaks UTC only.
    try:
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
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
UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]
MoneyIn = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


def csv_of(item_type: Any) -> Any:
    """A query parameter given as a comma-separated list: status=new,assigned."""
    return Annotated[list[item_type], BeforeValidator(_split_csv)]

# Output types
UtcOut = Annotated[datetime, PlainSerializer(iso, return_type=str)]
MoneyOut = Annotated[Decimal, PlainSerializer(_money_str, return_type=str)]


class Payload(BaseModel):
    """A request body: camelCase names, unknown or read-only fields refused."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _refuse_nul(value)


class Query(BaseModel):
    """Query-string parameters: unknown ones are refused so typos don't silently match all."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _refuse_nul(value)


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


class PageQuery(Query):
    limit: int = Field(100, ge=1, le=500, description="Page size (max 500).")
    # Bounded so that (page - 1) * limit stays a valid SQL OFFSET.
    page: int = Field(1, ge=1, le=1_000_000_000, description="1-based page number; see the Link header.")


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
