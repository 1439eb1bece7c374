"""Checklist readings written the plant's way: "65,5" and "65.5" are the same reading, and a
reading is shown back with the warehouse's decimal mark (docs/decisions.md, "Decimal comma").

Typing: either mark is the decimal mark when it appears once ("1,234" is 1.234: a checklist reads
temperatures and pressures, not thousands); spaces (and ' ’, as on Swiss plates) between groups of
three digits are thousands separators ("1 234,5"); a number carrying both marks ("1,234.5") or one
mark twice is refused in words, since which one is the decimal depends on who wrote it.
"""
from __future__ import annotations

import math
import re

from portal.services.common.errors import field_error

DECIMAL_MARKS = (".", ",")
# Largest reading kept (the API's bound on measured values, schemas/pm.py MEASURE_LIMIT).
LIMIT = 1e15
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:[ \u00a0\u202f'’]\d{3})+(?:[.,]\d*)?$")
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$")


def example(mark: str) -> str:
    """A reading as people of this plant write it, for the messages."""
    return f"65{mark}5"


def parse_reading(text: str, mark: str = ".", field: str = "value") -> float:
    """A measurement as typed in the portal, with either decimal mark; ValidationFailed in words."""
    raw = text.strip().replace("\u2212", "-")  # the typographic minus sign some keyboards give
    if not raw:
        raise field_error(field, f"Enter the reading, e.g. {example(mark)}")
    if _GROUPED.match(raw):
        raw = re.sub(r"[ \u00a0\u202f'’]", "", raw)
    if "." in raw and "," in raw or raw.count(".") + raw.count(",") > 1:
        raise field_error(field, f"Write the number with one decimal mark and no thousands separator, "
                                 f"e.g. 1234{mark}5")
    if not _PLAIN.match(raw):
        raise field_error(field, f"Enter the reading as a number only, e.g. {example(mark)}")
    number = float(raw.replace(",", "."))
    if not math.isfinite(number) or abs(number) > LIMIT:
        raise field_error(field, "This reading is too large to be a measurement")
    return number


def format_reading(value: float | int | None, mark: str = ".") -> str:
    """A stored number the plant's way: 95.0 -> "95", 65.5 -> "65,5" with a comma mark."""
    if value is None:
        return ""
    number = float(value)
    text = repr(number)
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", mark) if mark != "." else text


def limits(low: float | None, high: float | None, unit: str | None, mark: str = ".") -> str:
    """A measurement's acceptable range as a person reads it: "10–80 °C", "at least 10 bar"."""
    tail = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{format_reading(low, mark)}–{format_reading(high, mark)}{tail}"
    if low is not None:
        return f"at least {format_reading(low, mark)}{tail}"
    if high is not None:
        return f"at most {format_reading(high, mark)}{tail}"
    return ""
