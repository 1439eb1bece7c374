from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from portal.models.enums import CRITICALITY, DOWNTIME_PLANNED, DOWNTIME_REASON, EQUIPMENT_STATUS
from portal.schemas.common import Out, Payload, SyncQuery, UtcDateTime, UtcOut, csv_of, not_null

EquipmentStatus = Literal[EQUIPMENT_STATUS.values]  # type: ignore[valid-type]
Criticality = Literal[CRITICALITY.values]  # type: ignore[valid-type]
DowntimeReason = Literal[DOWNTIME_REASON.values]  # type: ignore[valid-type]
_CLASS = re.compile(r"^[a-z0-9][a-z0-9_]{0,59}$")


def class_name(text: str | None) -> str | None:
    """"Electric motor" -> "electric_motor": how equipment classes are stored and compared."""
    if text is None:
        return None
    value = re.sub(r"[\s\-]+", "_", text.strip().lower())
    if value and not _CLASS.match(value):
        raise ValueError("An equipment class is letters, digits and _ only, e.g. pump or electric_motor")
    return value or None


EquipmentClass = Annotated[str, Field(max_length=60, description=(
    "ISO 14224 equipment class, e.g. pump, electric_motor, compressor (stored lower-case, spaces as _): "
    "which failure codes are offered for the asset")), AfterValidator(class_name)]


PARENT_TEXT = ("The asset this one is part of (site → area → line → machine → component): an asset of the same "
               "warehouse (400 `parentId` otherwise, as for an unknown one), never the asset itself or one below it "
               "(400), at most 12 levels deep (400).")


class EquipmentCreate(Payload):
    asset_tag: str = Field(min_length=1, max_length=64)
    model: str | None = Field(None, max_length=120)
    manufacturer: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=10000)
    status: EquipmentStatus = "active"
    location: str | None = Field(None, max_length=200)
    area: str | None = Field(None, max_length=120)
    criticality: Criticality = "medium"
    install_date: UtcDateTime | None = None
    equipment_class: EquipmentClass | None = None
    parent_id: str | None = Field(None, max_length=36, description=PARENT_TEXT)


class EquipmentUpdate(Payload):
    asset_tag: str | None = Field(None, min_length=1, max_length=64, json_schema_extra=not_null)
    model: str | None = Field(None, max_length=120)
    manufacturer: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=10000)
    status: EquipmentStatus | None = Field(None, json_schema_extra=not_null)
    location: str | None = Field(None, max_length=200)
    area: str | None = Field(None, max_length=120)
    criticality: Criticality | None = Field(None, json_schema_extra=not_null)
    install_date: UtcDateTime | None = None
    equipment_class: EquipmentClass | None = None
    parent_id: str | None = Field(None, max_length=36, description=PARENT_TEXT + " null makes it top-level.")


class EquipmentQuery(SyncQuery):
    status: csv_of(EquipmentStatus) | None = None
    criticality: csv_of(Criticality) | None = None
    area: str | None = Field(None, max_length=120, description="Only equipment of this area (exact)")
    q: str | None = Field(None, max_length=200, description="Text search in assetTag, model, manufacturer, description, location")
    parent_id: str | None = Field(None, max_length=36, description=(
        "Only the children of this asset (one level down); `root` for the top-level assets (no parent). "
        "An id of another warehouse, or unknown, gives an empty list."))


class EquipmentOut(Out):
    id: str
    asset_tag: str
    model: str | None
    manufacturer: str | None
    description: str | None
    status: EquipmentStatus
    location: str | None
    area: str | None
    criticality: Criticality
    install_date: UtcOut | None
    equipment_class: str | None = Field(None, description="ISO 14224 equipment class (failure codes offered for it)")
    parent_id: str | None = Field(None, description="The asset this one is part of (null: top-level)")
    warehouse_id: str
    created_at: UtcOut
    updated_at: UtcOut


REASON_TEXT = (
    "Why it stops, only with status down (400 otherwise): " + ", ".join(
        f"`{code}` ({DOWNTIME_REASON.label(code).lower()}, "
        f"{ {True: 'planned', False: 'unplanned', None: 'either'}[DOWNTIME_PLANNED[code]]})"
        for code in DOWNTIME_REASON.values)
    + ". Left out: `breakdown` (unplanned), or `other` when planned is true: a caller that sends neither "
      "records a failure, as before these fields existed.")


class EquipmentStatusChange(Payload):
    status: EquipmentStatus = Field(description="`down` opens a downtime period; leaving `down` closes it.")
    reason: str | None = Field(None, max_length=2000, description="Why (e.g. 'bearing seized'); kept on the period")
    work_order_id: str | None = Field(None, max_length=36, description="The work order repairing it, if any")
    reason_code: DowntimeReason | None = Field(None, description=REASON_TEXT)
    planned: bool | None = Field(None, description=(
        "Whether the stop is planned. Defaults from reasonCode; must agree with it where the code decides "
        "(400 otherwise); with `other` it decides (unplanned when left out). Only with status down."))


class DowntimePeriodOut(Out):
    id: str
    equipment_id: str
    started_at: UtcOut
    ended_at: UtcOut | None = Field(description="null while the asset is still down")
    reason: str | None
    reason_code: DowntimeReason = Field(description="Why it stopped (see POST /api/equipment/{id}/status)")
    planned: bool = Field(description="A planned stop (PM, changeover...): not a failure, left out of MTBF and availability")
    work_order_id: str | None
    started_by: str | None
    ended_by: str | None
