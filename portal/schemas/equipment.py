from __future__ import annotations

from typing import Literal

from pydantic import Field

from portal.models.enums import CRITICALITY, EQUIPMENT_STATUS
from portal.schemas.common import Out, Payload, SyncQuery, UtcDateTime, UtcOut, csv_of, not_null

EquipmentStatus = Literal[EQUIPMENT_STATUS.values]  # type: ignore[valid-type]
Criticality = Literal[CRITICALITY.values]  # type: ignore[valid-type]


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


class EquipmentQuery(SyncQuery):
    status: csv_of(EquipmentStatus) | None = None
    criticality: csv_of(Criticality) | None = None
    area: str | None = Field(None, max_length=120, description="Only equipment of this area (exact)")
    q: str | None = Field(None, max_length=200, description="Text search in assetTag, model, manufacturer, description, location")


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
    warehouse_id: str
    created_at: UtcOut
    updated_at: UtcOut


class EquipmentStatusChange(Payload):
    status: EquipmentStatus = Field(description="`down` opens a downtime period; leaving `down` closes it.")
    reason: str | None = Field(None, max_length=2000, description="Why (e.g. 'bearing seized'); kept on the period")
    work_order_id: str | None = Field(None, max_length=36, description="The work order repairing it, if any")


class DowntimePeriodOut(Out):
    id: str
    equipment_id: str
    started_at: UtcOut
    ended_at: UtcOut | None = Field(description="null while the asset is still down")
    reason: str | None
    work_order_id: str | None
    started_by: str | None
    ended_by: str | None
