from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.enums import CLOSED_STATUSES as CLOSED_STATUSES  # re-exported beside the other value lists
from portal.models.enums import OPEN_STATUSES as OPEN_STATUSES
from portal.models.enums import PRIORITY, WORK_ORDER_STATUS, WORK_ORDER_TYPE
from portal.models.search import trigram_index
from portal.models.types import UTCDateTime, id_column, utcnow
from portal.platform.extensions import db

WORK_ORDER_STATUSES = WORK_ORDER_STATUS.values
PRIORITIES = PRIORITY.values
WORK_ORDER_TYPES = WORK_ORDER_TYPE.values
# The work orders that carry a failure code: the predicate of their partial index, and the WHERE
# of the query it serves (failure_codes.usage()), written the same so the planner can match them.
FAILURE_CODED = "failure_mode IS NOT NULL OR failure_cause IS NOT NULL OR failure_remedy IS NOT NULL"


class WorkOrder(db.Model):
    __tablename__ = "work_orders"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "fo_number"),
        # The list's default order, with and without a status filter (migration 0009, bench/README.md).
        Index("ix_work_orders_warehouse_id_created_at", "warehouse_id", "created_at"),
        Index("ix_work_orders_warehouse_id_status_created_at", "warehouse_id", "status", "created_at"),
        # Sync reads (cursor paging) in (updated_at, id) order per warehouse (migration 0016).
        Index("ix_work_orders_warehouse_id_updated_at_id", "warehouse_id", "updated_at", "id"),
        # A person's work by due date (My work, the list filtered by assignee): its count and page
        # from the index alone at a million work orders (migration 0026, bench/README.md).
        Index("ix_work_orders_warehouse_id_assigned_to_due_date", "warehouse_id", "assigned_to", "due_date"),
        # The KPIs at a million work orders (migration 0033, bench/README.md "kpis.py"), each read from
        # the index alone: completed per week; the labor's work order type (preventive or not) by id;
        # PM compliance's counts over the PM work orders due in the window.
        Index("ix_work_orders_warehouse_id_completed_at", "warehouse_id", "completed_at"),
        Index("ix_work_orders_id_type", "id", "type"),
        Index("ix_work_orders_pm_compliance", "warehouse_id", "due_date", "pm_template_id", "equipment_id", "status",
              "completed_at", postgresql_where=text("pm_template_id IS NOT NULL"),
              sqlite_where=text("pm_template_id IS NOT NULL")),
        # The failure codes' use (services/work_orders/failure_codes.py usage(): the completion
        # step's "most used first", on every work order page that can complete): the coded work
        # orders alone, from the index, instead of a scan of all of them (migration 0035).
        Index("ix_work_orders_failure_codes", "warehouse_id", "failure_mode", "failure_cause", "failure_remedy",
              postgresql_where=text(FAILURE_CODED), sqlite_where=text(FAILURE_CODED)),
    )
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    fo_number: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    priority: Mapped[str] = mapped_column(String(20), default="medium")
    type: Mapped[str] = mapped_column(String(20), default="corrective")
    equipment_id: Mapped[str | None] = mapped_column(ForeignKey("equipment.id"), index=True)
    assigned_to: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    requested_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    completion_notes: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SMRP's MTTR variants (services/reporting/kpis.py): when someone first responded (the work order
    # left `new`: assigned, started, held or done) and when the repair first started (in_progress, or the
    # start of the earliest labor booked: performedAt - minutes). Set once by the lifecycle and labor
    # services, never moved back (migration 0033).
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    repair_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Preventive maintenance (models/pm.py holds the unique indexes on these).
    pm_template_id: Mapped[str | None] = mapped_column(ForeignKey("pm_templates.id"), index=True)
    pm_due_date: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the schedule's date, never edited
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    estimated_duration: Mapped[int | None] = mapped_column(Integer)  # minutes
    actual_duration: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # sum of labor minutes
    # Running totals of the consumptions' and labor entries' costs, kept by the same transactions
    # that add them (atomic increments): list rows and exports carry costs without a join.
    parts_cost: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"), server_default="0")
    labor_cost: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"), server_default="0")
    # A problem reported without an account (/report/<token>): who reported it and how to reach them.
    reporter_name: Mapped[str | None] = mapped_column(String(120))
    reporter_contact: Mapped[str | None] = mapped_column(String(200))
    # The reporter's optional e-mail for "it is done" (mailed on completion: services/notifications/outbox.py),
    # and the SHA-256 of their private status link's token (services/work_orders/report_status.py).
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    status_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # A follow-up raised from a checklist reading of another work order (its parent) in the same warehouse.
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    # Sign-off: not completed until the person accepting the work has signed (services/work_orders/
    # signoff.py). Set by a manager, or inherited from the PM template the work order came from.
    requires_signature: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # ISO 14224 failure data (services/work_orders/failure_codes.py): what was observed, why, what was done.
    # Codes of the warehouse's catalogue; a retired code stays on the orders that used it.
    failure_mode: Mapped[str | None] = mapped_column(String(20))
    failure_cause: Mapped[str | None] = mapped_column(String(20))
    failure_remedy: Mapped[str | None] = mapped_column(String(20))


# The `q=` search's trigram index (PostgreSQL only; portal/models/search.py, migration 0026).
trigram_index(WorkOrder.__table__, "fo_number", "title", "description")


class WorkOrderDay(db.Model):
    """A warehouse's work in one UTC day: work orders opened (created_at) and completed (completed_at),
    labor minutes performed (performed_at), all and on preventive work orders. Kept by the same
    transactions that write those rows (services/reporting/days.py, from the session's flushes), so
    the KPIs of a year read 365 rows instead of ~400,000 index entries and ~185,000 labor entries
    joined to their work orders (bench/README.md, kpis.py; migration 0034)."""

    __tablename__ = "work_order_days"
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    opened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    labor_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    preventive_labor_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class WorkOrderHistory(db.Model):
    """Who changed what on a work order: {field: {from, to}} per change."""

    __tablename__ = "work_order_history"
    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkOrderCounter(db.Model):
    """Last foNumber handed out per warehouse and year; bumped in the creating transaction,
    so a rolled-back creation gives its number back (gap-free)."""

    __tablename__ = "work_order_counters"
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class HoldReason(db.Model):
    """A reason a work order waits, chosen when it is put on hold ("Waiting for parts"); a manager
    edits the warehouse's list. `code` is what the API and the history carry and never changes;
    a removed reason is only retired (active false), so older holds still read with their label."""

    __tablename__ = "hold_reasons"
    __table_args__ = (UniqueConstraint("warehouse_id", "code"),)
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FailureCode(db.Model):
    """One entry of the warehouse's failure catalogue (ISO 14224): a failure mode ("VIB" vibration),
    a cause/mechanism ("WEAR") or a remedy ("REPL"), optionally only for some equipment classes.
    `code` is what work orders carry and never changes; a code in use is retired (active false),
    not deleted, so old work orders still read with its label."""

    __tablename__ = "failure_codes"
    __table_args__ = (UniqueConstraint("warehouse_id", "kind", "code"),)
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # mode, cause, remedy (enums.FAILURE_CODE_KIND)
    code: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(120))
    # Equipment classes it applies to; empty: every class (and assets without a class).
    equipment_classes: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
