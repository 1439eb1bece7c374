"""The CSV columns of assets and parts, shared by imports and exports, and the cell escaping
that keeps a spreadsheet from running a cell as a formula.

Columns are the API's field names (`assetTag`, `partNumber`, ...): the create schema's fields,
in its order, so an exported file imports again as "0 created, N updated". A text cell starting
with = + - @ (or a tab or carriage return) is exported prefixed with ' so a spreadsheet shows it
as text; the import removes that prefix.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from portal.schemas.common import iso
from portal.schemas.equipment import EquipmentCreate, EquipmentUpdate
from portal.schemas.parts import PartCreate, PartUpdate

SCHEMAS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "assets": (EquipmentCreate, EquipmentUpdate),
    "parts": (PartCreate, PartUpdate),
}
KEY_COLUMN = {"assets": "assetTag", "parts": "partNumber"}
# Fields a file names by key rather than by id: an asset's parent is its asset tag (parentTag), so a
# file reads the same in every warehouse and an export imports again (import_runs resolves it).
BY_KEY = {"assets": {"parentId": "parentTag"}}
# The columns of each kind: the create schema's fields, in its order.
COLUMNS: dict[str, tuple[str, ...]] = {
    kind: tuple(BY_KEY.get(kind, {}).get(info.alias or name, info.alias or name)
                for name, info in create.model_fields.items())
    for kind, (create, _update) in SCHEMAS.items()
}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A cell the export prefixed with ' reads back as it was.
_ESCAPED = re.compile(r"^'[=+\-@\t\r]")


def safe_cell(value: Any) -> str:
    """A value as a CSV cell: ISO UTC times, 2-decimal money, true/false, '' for None, and text
    that a spreadsheet would take for a formula prefixed with '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value) or ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def unescape(cell: str) -> str:
    """A cell as it was before safe_cell prefixed it."""
    return cell[1:] if _ESCAPED.match(cell) else cell


def csv_line(cells: Iterable[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([safe_cell(c) for c in cells])
    return out.getvalue()
