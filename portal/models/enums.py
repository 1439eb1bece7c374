"""One definition per domain enum: the values stored in the database and accepted by the API,
each with the label the portal's selects show. Models, schemas and templates import from here.

Values never change (they are stored and part of the contract); labels may.
"""
from __future__ import annotations

from collections.abc import Iterator


class Choices:
    """An ordered set of (value, label) pairs: `.values` for models and Literal types,
    `.options` for a <select>, `.label(value)` for display."""

    def __init__(self, *pairs: tuple[str, str]) -> None:
        self.values: tuple[str, ...] = tuple(value for value, _ in pairs)
        self.labels: dict[str, str] = dict(pairs)

    @property
    def options(self) -> list[tuple[str, str]]:
        return list(self.labels.items())

    def label(self, value: str | None) -> str:
        return self.labels.get(value or "", value or "")

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __contains__(self, value: object) -> bool:
        return value in self.labels


WORK_ORDER_STATUS = Choices(
    ("new", "New"), ("assigned", "Assigned"), ("in_progress", "In progress"), ("on_hold", "On hold"),
    ("completed", "Completed"), ("cancelled", "Cancelled"),
)
# Statuses in which a work order still needs doing.
OPEN_STATUS = Choices(*[(v, WORK_ORDER_STATUS.labels[v]) for v in ("new", "assigned", "in_progress", "on_hold")])
# The final statuses, every other one: nothing but the completion notes changes any more.
CLOSED_STATUS = Choices(*[(v, label) for v, label in WORK_ORDER_STATUS.options if v not in OPEN_STATUS])
OPEN_STATUSES = OPEN_STATUS.values
CLOSED_STATUSES = CLOSED_STATUS.values
PRIORITY = Choices(("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical"))
WORK_ORDER_TYPE = Choices(
    ("corrective", "Corrective"), ("preventive", "Preventive"), ("inspection", "Inspection"),
    ("emergency", "Emergency"),
)
EQUIPMENT_STATUS = Choices(
    ("active", "Active"), ("inactive", "Inactive"), ("maintenance", "In maintenance"), ("down", "Down"),
    ("retired", "Retired"),
)
CRITICALITY = Choices(("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical"))
FREQUENCY_TYPE = Choices(("calendar", "Calendar (days)"), ("meter", "Meter (units)"))
CHECKLIST_TYPE = Choices(
    ("checkbox", "Checkbox"), ("measurement", "Measurement"), ("text", "Text"), ("pass_fail", "Pass / fail"),
)
ROLE = Choices(("admin", "Administrator"), ("manager", "Manager"), ("technician", "Technician"),
               ("requester", "Requester"))
DELIVERY_STATE = Choices(("pending", "Pending"), ("delivered", "Delivered"), ("failed", "Failed"))

# ISO 14224 failure data: the three lists of a warehouse's failure catalogue.
FAILURE_CODE_KIND = Choices(("mode", "Failure mode"), ("cause", "Cause"), ("remedy", "Remedy"))
# Why an asset stopped. Each says whether such a stop is planned (True), unplanned (False) or
# either (None: the caller's `planned` decides, unplanned by default). Only unplanned stops are
# failures (MTBF, availability); planned ones are reported beside them.
DOWNTIME_REASON = Choices(
    ("breakdown", "Breakdown"), ("operational", "Operating error or process upset"),
    ("utility", "Utility or supply loss"), ("preventive", "Preventive maintenance"),
    ("changeover", "Changeover or set-up"), ("shutdown", "Planned shutdown"),
    ("no_demand", "No production demand"), ("other", "Other"),
)
DOWNTIME_PLANNED: dict[str, bool | None] = {
    "breakdown": False, "operational": False, "utility": False, "preventive": True, "changeover": True,
    "shutdown": True, "no_demand": True, "other": None,
}
