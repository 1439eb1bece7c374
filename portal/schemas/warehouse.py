"""Warehouse settings and problem reports without an account."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from portal.schemas.common import Out, Payload, not_null
from portal.schemas.pm import PM_GRACE_DESCRIPTION, PmGrace


class WarehouseOut(Out):
    id: str
    name: str
    timezone: str = Field(description="IANA time zone the portal shows times in (the API stays UTC)")
    problem_reports_enabled: bool = Field(description=(
        "Anyone who scans an asset label may report a problem without an account at /report/<token> "
        "(a `new` corrective work order). Off: those pages answer 404."))
    request_routing: Literal["work_order", "inbox"] = Field("work_order", description=(
        "Problem reports (and requesters' requests): work_order, each becomes a `new` work order at once; "
        "inbox, each waits in the requests inbox (GET /api/requests) for a manager to approve, merge or decline"))
    decimal_mark: Literal[".", ","] = Field(".", description=(
        "How the portal writes readings back to this plant's people: 65.5 or 65,5 (typing accepts both); "
        "the API keeps JSON numbers"))
    require_failure_codes: bool = Field(False, description=(
        "Completing a corrective or emergency work order needs failureMode, failureCause and failureRemedy "
        "(400 naming the missing ones otherwise)"))
    pm_grace: PmGrace = Field("dueDate", description=(
        "The PM compliance grace rule of GET /api/kpis and GET /api/pm-compliance (their pmGrace query "
        "parameter overrides it): " + PM_GRACE_DESCRIPTION))


class WarehouseUpdate(Payload):
    problem_reports_enabled: bool | None = Field(None, json_schema_extra=not_null, description=(
        "Turn problem reports without an account on or off for the whole warehouse; labels printed "
        "afterwards carry (or no longer carry) the report QR code"))
    timezone: str | None = Field(None, min_length=1, max_length=64, json_schema_extra=not_null,
                                 description="IANA name, e.g. Europe/Paris (400 when unknown)")
    request_routing: Literal["work_order", "inbox"] | None = Field(None, json_schema_extra=not_null, description=(
        "work_order (straight to a work order) or inbox (through the requests inbox); requests already in "
        "the inbox stay there until decided"))
    decimal_mark: Literal[".", ","] | None = Field(None, json_schema_extra=not_null, description=(
        "The plant's decimal mark, \".\" or \",\": how the portal shows checklist readings"))
    require_failure_codes: bool | None = Field(None, json_schema_extra=not_null, description=(
        "On: completing a corrective or emergency work order needs its three failure codes (managers also "
        "switch this on the portal's failure codes page)"))
    pm_grace: PmGrace | None = Field(None, json_schema_extra=not_null, description=(
        "PM compliance's grace rule: dueDate, oneDay, tenPercent or smrp (PM_GRACE in GET /api/pm-compliance's "
        "description)"))


class ReportTokenOut(Out):
    equipment_id: str
    report_token: str = Field(description=(
        "The asset's new token: 256 random bits, url-safe. The previous token stops working at once; "
        "labels carrying it must be reprinted."))
    report_url: str = Field(description="/report/<token>, absolute under PUBLIC_BASE_URL when that is set")


class ProblemReportCreate(Payload):
    """What a person without an account sends from an asset's public report page."""

    description: str = Field(min_length=1, max_length=2000, description="What is wrong")
    reporter_name: str = Field(min_length=1, max_length=120, description="Who reports it")
    reporter_contact: str | None = Field(None, max_length=200,
                                         description="Phone or e-mail, for questions (optional)")
    reporter_email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description=(
        "Where to tell the reporter that the work is done (optional). A single e-mail goes there "
        "when the work order is completed"))
