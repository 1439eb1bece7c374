"""Preventive maintenance: templates and their equipment, meter readings, checklists, labor."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, Numeric, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.enums import CHECKLIST_TYPE, FREQUENCY_TYPE
from portal.models.inventory import PartConsumption
from portal.models.types import UTCDateTime, id_column, utcnow
from portal.models.work_orders import WorkOrder
from portal.platform.extensions import db

FREQUENCY_TYPES = FREQUENCY_TYPE.values
CHECKLIST_TYPES = CHECKLIST_TYPE.values


class PMTemplate(db.Model):
    """A recurring job: what to do, how often, on which equipment."""

    __tablename__ = "pm_templates"
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    frequency_type: Mapped[str] = mapped_column(String(20))
    # Days (calendar) or meter units (meter) between two PMs.
    frequency: Mapped[int] = mapped_column(Integer)
    # The equipment meter a meter-based template follows, e.g. "hours" or "cycles".
    meter: Mapped[str | None] = mapped_column(String(64))
    estimated_duration: Mapped[int | None] = mapped_column(Integer)  # minutes
    priority: Mapped[str] = mapped_column(String(20), default="medium")
    assigned_to: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    # Calendar: days before the due date the work order is created. Meter: days allowed to do it.
    lead_days: Mapped[int] = mapped_column(Integer, default=7)
    start_date: Mapped[datetime] = mapped_column(UTCDateTime)
    # [{id, description, type, required, unit?, min?, max?, autoFollowUp?}], copied onto each PM work order.
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Its work orders need the signature of the person accepting the work to be completed.
    requires_signature: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PMTemplateEquipment(db.Model):
    """One piece of equipment under a template, with where its schedule stands."""

    __tablename__ = "pm_template_equipment"
    template_id: Mapped[str] = mapped_column(ForeignKey("pm_templates.id", ondelete="CASCADE"), primary_key=True)
    equipment_id: Mapped[str] = mapped_column(ForeignKey("equipment.id"), primary_key=True, index=True)
    last_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Meter value at the last PM (or when counting began): the next PM is due at baseline + frequency.
    meter_baseline: Mapped[float | None] = mapped_column(Float)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order of equipmentIds as given


class MeterReading(db.Model):
    """A reading of an equipment meter (run hours, cycles, km): only ever goes up."""

    __tablename__ = "meter_readings"
    __table_args__ = (Index("ix_meter_readings_equipment_meter_read_at", "equipment_id", "meter", "read_at"),)
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    equipment_id: Mapped[str] = mapped_column(ForeignKey("equipment.id"))
    meter: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(32))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChecklistItem(db.Model):
    """A checklist line on one work order, copied from its PM template."""

    __tablename__ = "work_order_checklist_items"
    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_key: Mapped[str] = mapped_column(String(64))  # the template item's id
    description: Mapped[str] = mapped_column(String(500))
    type: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    unit: Mapped[str | None] = mapped_column(String(32))
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    value: Mapped[float | str | None] = mapped_column(JSON(none_as_null=True))  # number for measurements
    note: Mapped[str | None] = mapped_column(Text)
    # A measurement outside [min, max] or a failed pass/fail check: someone should look at it.
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # The template item says: a flagged reading raises its follow-up work order without a tap.
    auto_follow_up: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The follow-up work order raised from this item (at most one per item: a second request returns it).
    follow_up_id: Mapped[str | None] = mapped_column(ForeignKey("work_orders.id"))
    done_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the server got the tick: done_at is the device's time (a tick made offline arrives later).
    done_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LaborEntry(db.Model):
    """Wrench time booked on a work order."""

    __tablename__ = "labor_entries"
    # Labor of a window, and its cost per asset, read from the index alone (migration 0034).
    # and one asset's labor of a window (the KPIs' listed assets) from the index alone (migration 0034).
    __table_args__ = (Index("ix_labor_entries_asset_costs", "warehouse_id", "performed_at", "equipment_id", "cost"),
                      Index("ix_labor_entries_equipment_minutes", "equipment_id", "performed_at", "minutes"))
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"))
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    # The asset of its work order, kept with it (services/reporting/asset_costs.py): costs per asset
    # without joining a million work orders.
    equipment_id: Mapped[str | None] = mapped_column(ForeignKey("equipment.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    minutes: Mapped[int] = mapped_column(Integer)
    # minutes x the person's hourly rate when booked (0.00 without a rate); never recomputed.
    cost: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"), server_default="0")
    note: Mapped[str | None] = mapped_column(Text)
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# One PM work order per template, equipment and scheduled date: two scheduler runs racing each
# other compute the same date, and the loser's insert fails here instead of duplicating.
Index("uq_work_orders_pm_occurrence", WorkOrder.pm_template_id, WorkOrder.equipment_id, WorkOrder.pm_due_date,
      unique=True)
# At most one OPEN PM work order per template and equipment: a missed run catches up with one.
_OPEN_PM = text("pm_template_id IS NOT NULL AND status IN ('new', 'assigned', 'in_progress', 'on_hold')")
Index("uq_work_orders_open_pm", WorkOrder.pm_template_id, WorkOrder.equipment_id, unique=True,
      sqlite_where=_OPEN_PM, postgresql_where=_OPEN_PM)
# KPIs select failures and weekly completions by completion time, parts cost (per asset) by consumption
# time, from the index alone (migration 0034).
Index("ix_work_orders_completed_at", WorkOrder.completed_at)
Index("ix_part_consumptions_asset_costs", PartConsumption.warehouse_id, PartConsumption.consumed_at,
      PartConsumption.equipment_id, PartConsumption.total_cost)
Index("ix_part_consumptions_equipment_cost", PartConsumption.equipment_id, PartConsumption.consumed_at,
      PartConsumption.total_cost)
