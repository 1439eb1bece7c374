"""The weekly plan (issue 23, part 5): technicians' absences, a week's schedule and its items.

A technician's weekly hours live on the user (users.weekly_hours). Weeks start on Monday; a day is a
calendar date (no time zone games: the plan is made of days, not instants).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Numeric, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.types import UTCDateTime, id_column, utcnow
from portal.platform.extensions import db


class Absence(db.Model):
    """A technician away (holiday, training, sick), both dates included: no capacity on those days."""

    __tablename__ = "absences"
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Schedule(db.Model):
    """One week's plan of a warehouse; frozen once, at the start of the week, and never thawed:
    schedule compliance is measured against what it held at the freeze."""

    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("warehouse_id", "week_start"),)
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date)  # a Monday
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    frozen_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScheduleItem(db.Model):
    """Hours of one work order given to one technician on one day of the week. Added after the
    freeze, it is break-in work (reported apart, never in the compliance's denominator)."""

    __tablename__ = "schedule_items"
    id: Mapped[str] = id_column()
    schedule_id: Mapped[str] = mapped_column(ForeignKey("schedules.id"), index=True)
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    break_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
