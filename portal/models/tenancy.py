from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, false
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.types import UTCDateTime, id_column, utcnow
from portal.platform.extensions import db


class Warehouse(db.Model):
    """The tenant: every record belongs to exactly one warehouse (a plant or site)."""

    __tablename__ = "warehouses"
    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # Demo warehouses allow printing TOTP codes from the CLI; real ones never do.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # IANA zone the portal shows times in ("today 14:30"); the API and the database stay UTC.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # Anyone scanning an asset label may report a fault without an account (/report/<token>); off by default.
    problem_reports_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The plant's decimal mark, "." (65.5) or "," (65,5): how the portal shows readings back. Typing
    # accepts either mark whatever this says (docs/decisions.md, "Decimal comma").
    # Problem reports and requesters' requests: "work_order" (each becomes a work order at once) or
    # "inbox" (they wait for a manager: services/work_orders/requests.py).
    request_routing: Mapped[str] = mapped_column(String(20), default="work_order", server_default="work_order")
    decimal_mark: Mapped[str] = mapped_column(String(1), default=".", server_default=".")
    # Completing a corrective or emergency work order needs its failure mode, cause and remedy codes.
    require_failure_codes: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # PM compliance's grace rule (services/reporting/kpis.py PM_GRACE): dueDate, oneDay, tenPercent or smrp.
    pm_grace: Mapped[str] = mapped_column(String(20), default="dueDate", server_default="dueDate")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
