"""The failure catalogue (ISO 14224): failure modes, causes and remedies of a warehouse."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from portal.models.enums import FAILURE_CODE_KIND
from portal.schemas.common import Out, Payload, Query, UtcOut, csv_of, not_null

FailureCodeKind = Literal[FAILURE_CODE_KIND.values]  # type: ignore[valid-type]
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$"
CLASS_PATTERN = r"^[a-z0-9][a-z0-9_ -]{0,59}$"
CLASSES_TEXT = ("Equipment classes it is offered for (an asset's equipmentClass, e.g. pump, electric_motor); "
                "empty: every asset")


class FailureCodeCreate(Payload):
    kind: FailureCodeKind = Field(description="mode (what was observed), cause (why) or remedy (what was done)")
    code: str = Field(min_length=1, max_length=20, pattern=CODE_PATTERN, description=(
        "Short and stable (e.g. VIB), unique per kind in the warehouse; stored upper-case. Work orders carry it"))
    label: str = Field(min_length=1, max_length=120, description="What people read (e.g. Vibration)")
    equipment_classes: list[str] = Field([], max_length=30, description=CLASSES_TEXT)


class FailureCodeUpdate(Payload):
    """A code never changes (work orders carry it): its label, classes, and active (false: retired)."""

    label: str | None = Field(None, min_length=1, max_length=120, json_schema_extra=not_null)
    equipment_classes: list[str] | None = Field(None, max_length=30, json_schema_extra=not_null,
                                                description=CLASSES_TEXT)
    active: bool | None = Field(None, json_schema_extra=not_null, description=(
        "false: retired (no longer offered, still shown on the work orders that carry it); true: offered again"))


class FailureCodeQuery(Query):
    kind: csv_of(FailureCodeKind) | None = None
    equipment_class: str | None = Field(None, max_length=60, description=(
        "Only the codes offered for this class (those without classes, and those listing it)"))
    include_retired: bool = Field(False, description="Also the retired codes (active false)")


class FailureCodeOut(Out):
    id: str
    kind: FailureCodeKind
    code: str
    label: str
    equipment_classes: list[str]
    active: bool = Field(description="false: retired, no longer offered")
    uses: int = Field(0, description="Work orders carrying it (any of failureMode, failureCause, failureRemedy)")
    warehouse_id: str
    created_at: UtcOut
    updated_at: UtcOut


class FailureCodeImportOut(Out):
    created: int
    updated: int
    unchanged: int
