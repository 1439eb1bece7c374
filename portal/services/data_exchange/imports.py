"""CSV imports of assets and parts: the upload (bounded, header checked), its start, its preview,
and reading imports back. The run itself is import_runs.py; reading the file, csv_files.py.

- Each row is validated with the API's own create/update schemas and written through the same
  services as the API (so `equipment.created`/`updated` events and their webhooks fire as usual):
  a row whose key exists in the importer's warehouse updates it (non-empty cells only), else it is
  created. Importing the same file twice creates nothing the second time.
- An upload is stored as an import `pending` (the portal's preview, then "Start import") or
  `queued` at once (the API); a worker runs it (import_runs.py).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from portal.models import ImportJob, ImportRefusal
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.common.errors import Gone, ValidationFailed
from portal.services.common.querying import Page, paginate
from portal.services.common.tenancy import get_in_warehouse
from portal.services.data_exchange.columns import COLUMNS, csv_line
from portal.services.data_exchange.csv_files import Parsed, check_file, decode, header_of, parse_header, rows
from portal.services.data_exchange.import_runs import STATUS, enqueue
from portal.services.identity.permissions import require

PREVIEW_ROWS = 10
# The preview lists every column the import reads (a few dozen at most) but only the first of the
# columns it ignores, and cuts long cells: a 200,000-column header made a 22.8 MB page.
PREVIEW_IGNORED_COLUMNS = 20
PREVIEW_CELL_CHARS = 120
# Before it is started: uploaded, waiting for "Start import" (not yet work for the queue).
PENDING = "pending"

# Room for the multipart envelope around a file of MAX_IMPORT_BYTES (the file itself is checked exactly).
MULTIPART_ROOM = 64 * 1024


def upload_body_limit(config: Any) -> int:
    """The upload routes' body limit (@body_limit): the largest file plus its multipart envelope."""
    return int(config["MAX_IMPORT_BYTES"]) + MULTIPART_ROOM


# --- upload, start, read ------------------------------------------------------------------------
def create_import(actor: Actor, kind: str, file_name: str | None, content: bytes | None, *, start: bool,
                  now: datetime | None = None) -> ImportJob:
    """Store the upload (checked) as an import: `pending` for a preview, or `queued` and enqueued."""
    require(actor, "imports.manage")
    errors = []
    if kind not in COLUMNS:
        errors.append({"field": "kind", "message": "Must be one of: assets, parts"})
    if content is None:
        errors.append({"field": "file", "message": "Choose a CSV file"})
    if errors:
        raise ValidationFailed(None, errors)
    _parsed, count = check_file(kind, content)
    now = now or utcnow()
    name = (file_name or "upload.csv").replace("\\", "/").rsplit("/", 1)[-1][:255] or "upload.csv"
    with unit_of_work() as s:
        job = ImportJob(warehouse_id=actor.warehouse_id, kind=kind, status=STATUS.waiting if start else PENDING,
                        file_name=name, content=content, total_rows=count, created_by=actor.id, created_at=now)
        s.add(job)
    if start:
        enqueue(job.id)
    return job


def start_import(actor: Actor, import_id: str) -> ImportJob:
    """pending -> queued (once: a second start of the same import changes nothing)."""
    require(actor, "imports.manage")
    with unit_of_work() as s:
        job = get_in_warehouse(ImportJob, import_id, actor, what="Import", lock=True)
        started = job.status == PENDING
        if started:
            job.status = STATUS.waiting
        s.flush()
    if started:
        enqueue(job.id)
    return job


def get_import(actor: Actor, import_id: str) -> ImportJob:
    require(actor, "imports.manage")
    return get_in_warehouse(ImportJob, import_id, actor, what="Import")


def list_imports(actor: Actor, page: int = 1, limit: int = 20) -> Page:
    require(actor, "imports.manage")
    stmt = (select(ImportJob).where(ImportJob.warehouse_id == actor.warehouse_id)
            .order_by(ImportJob.created_at.desc(), ImportJob.id))
    return paginate(stmt, page, limit)


def refusals(job: ImportJob, limit: int | None = None) -> list[ImportRefusal]:
    stmt = select(ImportRefusal).where(ImportRefusal.import_id == job.id).order_by(ImportRefusal.line)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


@dataclass
class Preview:
    parsed: Parsed
    rows: list[tuple[int, list[str]]]  # (line, cells of the mapped columns, in header order)
    columns: list[str]  # the mapped header names shown
    mapping: list[tuple[str, str | None]]  # the read columns and the first ignored ones, in header order
    unknown: list[str]  # the first unknown columns (PREVIEW_IGNORED_COLUMNS at most)
    repeated: list[str]  # the first repeated columns
    more_unknown: int  # unknown columns not listed
    more_repeated: int

    more_columns: int  # ignored columns (unknown, repeated or without a name) left out of `mapping`

    @property
    def ignored(self) -> int:
        return len(self.parsed.unknown) + len(self.parsed.repeated)


def _cut(cell: str) -> str:
    return cell if len(cell) <= PREVIEW_CELL_CHARS else cell[:PREVIEW_CELL_CHARS - 1] + "…"


def preview(actor: Actor, import_id: str, n: int = PREVIEW_ROWS) -> Preview:
    """The header's mapping and the first rows, bounded whatever the file's width."""
    job = get_import(actor, import_id)
    text = decode(job.content)
    parsed = parse_header(job.kind, header_of(text))
    shown = [i for i, target in enumerate(parsed.fields) if target is not None]
    first = []
    for line, cells in rows(text):
        first.append((line, [_cut(cells[i]) if i < len(cells) else "" for i in shown]))
        if len(first) >= n:
            break
    mapping, ignored = [], 0
    for name, target in parsed.mapping:
        if target is None:  # unknown, repeated or without a name
            ignored += 1
            if ignored > PREVIEW_IGNORED_COLUMNS:
                continue
        mapping.append((_cut(name), target))
    cap = PREVIEW_IGNORED_COLUMNS
    return Preview(parsed=parsed, rows=first, columns=[_cut(parsed.header[i]) for i in shown], mapping=mapping,
                   unknown=[_cut(c) for c in parsed.unknown[:cap]], repeated=[_cut(c) for c in parsed.repeated[:cap]],
                   more_unknown=max(len(parsed.unknown) - cap, 0), more_repeated=max(len(parsed.repeated) - cap, 0),
                   more_columns=max(ignored - cap, 0))


def refused_csv(actor: Actor, import_id: str) -> Iterator[str]:
    """line, reason, then the refused row's own cells under the file's header: fix and upload it
    again (line and reason are unknown columns to the import, so they are ignored)."""
    job = get_import(actor, import_id)  # now, not at the first chunk: a 403/404 is still possible
    if job.file_purged_at is not None:
        raise Gone("The file of this import is no longer kept (IMPORT_KEEP_DAYS after it finished); "
                   "the lines and reasons of its refused rows still are")
    reasons: dict[int, list[str]] = {}
    for r in refusals(job):
        reasons.setdefault(r.line, []).append(r.reason)
    text = decode(job.content)

    def lines() -> Iterator[str]:
        yield csv_line(["line", "reason", *header_of(text)])
        for line, cells in rows(text):
            for reason in reasons.get(line, []):
                yield csv_line([str(line), reason, *cells])

    return lines()
