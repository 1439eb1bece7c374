"""Reading an uploaded CSV file of assets or parts: encoding, delimiter, the header mapped onto
the kind's fields, the rows, and the checks an upload must pass before it is stored.

Columns are the API's field names (columns.py), matched case-insensitively and ignoring spaces,
`_` and `-` ("Asset tag" and "asset_tag" are `assetTag`); others are listed as unknown and
ignored. The key column (assetTag / partNumber) is required.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import current_app

from portal.services.common.errors import DomainError, ValidationFailed
from portal.services.data_exchange.columns import COLUMNS, KEY_COLUMN, unescape


class TooLarge(DomainError):
    status = 413
    default_message = "Import file too large"


def _normal(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).lower()


def decode(content: bytes) -> str:
    """UTF-8 (with or without BOM, Excel's "CSV UTF-8"); anything else is read as Windows-1252."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma by default; semicolon or tab when the header line says so (European Excel)."""
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        return csv.excel


@dataclass
class Parsed:
    """The header of a file and how it maps onto the kind's fields."""

    kind: str
    header: list[str]
    fields: list[str | None]  # per header column: the field it fills, or None (unknown)
    unknown: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)  # a known column again: only the first is read
    missing: list[str] = field(default_factory=list)  # required columns absent

    @property
    def mapping(self) -> list[tuple[str, str | None]]:
        return list(zip(self.header, self.fields, strict=True))


def parse_header(kind: str, header: list[str]) -> Parsed:
    known = {_normal(col): col for col in COLUMNS[kind]}
    fields: list[str | None] = []
    seen: set[str] = set()
    unknown, repeated = [], []
    for name in header:
        target = known.get(_normal(name))
        if target is None or target in seen:  # a repeated column counts once, the first one
            fields.append(None)
            if target is not None:
                repeated.append(name)
            elif name.strip():
                unknown.append(name)
        else:
            fields.append(target)
            seen.add(target)
    missing = [] if KEY_COLUMN[kind] in seen else [KEY_COLUMN[kind]]
    return Parsed(kind=kind, header=header, fields=fields, unknown=unknown, repeated=repeated, missing=missing)


def rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line of the row's first line in the file, cells) for every non-blank data row; line 1 is the header."""
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    start = 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if line == 1 or not any(c.strip() for c in cells):
            continue
        yield line, cells


def header_of(text: str) -> list[str]:
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    return next(reader, [])


def row_values(parsed: Parsed, cells: list[str]) -> dict[str, str]:
    """The row as {field: text}; an empty cell is absent (creates take the default, updates keep the value)."""
    if len(cells) > len(parsed.header) and any(c.strip() for c in cells[len(parsed.header):]):
        raise ValidationFailed(None, [{"field": "row", "message":
                                       f"{len(cells)} cells but the header has {len(parsed.header)} columns"}])
    data = {}
    for target, cell in zip(parsed.fields, cells, strict=False):
        if target is not None and cell.strip() != "":
            data[target] = unescape(cell)
    return data


def check_file(kind: str, content: bytes) -> tuple[Parsed, int]:
    """Bounds and header: 413 above MAX_IMPORT_BYTES or MAX_IMPORT_ROWS, 400 without the key column."""
    if kind not in COLUMNS:
        raise ValidationFailed(None, [{"field": "kind", "message": "Must be one of: assets, parts"}])
    max_bytes = current_app.config["MAX_IMPORT_BYTES"]
    if len(content) > max_bytes:
        raise TooLarge(f"Import file too large: at most {max_bytes} bytes",
                       [{"field": "file", "message": f"The file is larger than {max_bytes // 1024} KiB"}])
    text = decode(content)
    if "\x00" in text:
        raise ValidationFailed(None, [{"field": "file", "message": "Not a CSV file (it contains NUL bytes)"}])
    try:
        header = header_of(text)
        count = sum(1 for _ in rows(text))
    except csv.Error as exc:
        raise ValidationFailed(None, [{"field": "file", "message": f"Not a readable CSV file: {exc}"}]) from None
    if not any(h.strip() for h in header):
        raise ValidationFailed(None, [{"field": "file", "message": "The file is empty: the first line must name the columns"}])
    parsed = parse_header(kind, header)
    if parsed.missing:
        raise ValidationFailed(None, [{"field": "file", "message":
                                       f"Missing the required column {', '.join(parsed.missing)} "
                                       f"(columns: {', '.join(COLUMNS[kind])})"}])
    max_rows = current_app.config["MAX_IMPORT_ROWS"]
    if count > max_rows:
        raise TooLarge(f"Too many rows: at most {max_rows} per import",
                       [{"field": "file", "message": f"{count} rows; at most {max_rows} per import"}])
    if count == 0:
        raise ValidationFailed(None, [{"field": "file", "message": "The file has a header but no rows"}])
    return parsed, count
