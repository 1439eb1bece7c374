"""CSV imports of assets and parts: upload (bounded, header checked), preview, and a resumable run.

- Columns are the API's field names (`assetTag`, `partNumber`, ...), matched case-insensitively and
  ignoring spaces, `_` and `-` ("Asset tag" and "asset_tag" are `assetTag`); others are listed as
  unknown and ignored. The key column (assetTag / partNumber) is required.
- Each row is validated with the API's own create/update schemas and written through the same
  services as the API (so `equipment.created`/`updated` events and their webhooks fire as usual):
  a row whose key exists in the importer's warehouse updates it (non-empty cells only), else it is
  created. Importing the same file twice creates nothing the second time.
- Rows are written in batches of IMPORT_BATCH_ROWS: each row inside its own savepoint (written whole
  or not at all; a refused row is recorded with its line and reason), and the batch commits with the
  job's counters and the line it reached. A worker killed mid-batch loses only that uncommitted
  batch; the next run (the import-sweep job re-enqueues imports whose lease ran out) starts after
  the last committed line, so the counters stay exact and no row is written twice.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job, JobStatus
from sqlalchemy import and_, func, literal, or_, select, update
from sqlalchemy.exc import DataError, IntegrityError

from portal.models import Equipment, ImportJob, ImportRefusal, Part, User
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.schemas.equipment import EquipmentCreate, EquipmentUpdate
from portal.schemas.errors import pydantic_errors
from portal.schemas.parts import PartCreate, PartUpdate
from portal.services.assets import equipment as equipment_service
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError, Gone, ValidationFailed
from portal.services.common.querying import Page, paginate
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import can, require
from portal.services.inventory import parts as parts_service

log = logging.getLogger(__name__)

# Its own queue, listed last: a long import never delays webhook deliveries or periodic jobs
# waiting on a worker that listens to all queues (README "Periodic jobs and workers").
QUEUE = "imports"
JOB_FUNC = "portal.jobs.imports.run_import"
JOB_TIMEOUT = 3600
PREVIEW_ROWS = 10

SCHEMAS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "assets": (EquipmentCreate, EquipmentUpdate),
    "parts": (PartCreate, PartUpdate),
}
KEY_COLUMN = {"assets": "assetTag", "parts": "partNumber"}
# The columns of each kind: the create schema's fields, in its order (also the export's columns).
COLUMNS: dict[str, tuple[str, ...]] = {
    kind: tuple(info.alias or name for name, info in create.model_fields.items())
    for kind, (create, _update) in SCHEMAS.items()
}
# A cell the export prefixed with ' against formula injection (exports.py) reads back as it was.
_ESCAPED = re.compile(r"^'[=+\-@\t\r]")


# Room for the multipart envelope around a file of MAX_IMPORT_BYTES (the file itself is checked exactly).
MULTIPART_ROOM = 64 * 1024


def upload_body_limit(config: Any) -> int:
    """The upload routes' body limit (@body_limit): the largest file plus its multipart envelope."""
    return int(config["MAX_IMPORT_BYTES"]) + MULTIPART_ROOM


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


def _values(parsed: Parsed, cells: list[str]) -> dict[str, str]:
    """The row as {field: text}; an empty cell is absent (creates take the default, updates keep the value)."""
    if len(cells) > len(parsed.header) and any(c.strip() for c in cells[len(parsed.header):]):
        raise ValidationFailed(None, [{"field": "row", "message":
                                       f"{len(cells)} cells but the header has {len(parsed.header)} columns"}])
    data = {}
    for target, cell in zip(parsed.fields, cells, strict=False):
        if target is not None and cell.strip() != "":
            data[target] = cell[1:] if _ESCAPED.match(cell) else cell
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
        job = ImportJob(warehouse_id=actor.warehouse_id, kind=kind, status="queued" if start else "pending",
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
        started = job.status == "pending"
        if started:
            job.status = "queued"
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


def preview(actor: Actor, import_id: str, n: int = PREVIEW_ROWS) -> Preview:
    job = get_import(actor, import_id)
    text = decode(job.content)
    parsed = parse_header(job.kind, header_of(text))
    shown = [i for i, target in enumerate(parsed.fields) if target is not None]
    first = []
    for line, cells in rows(text):
        first.append((line, [cells[i] if i < len(cells) else "" for i in shown]))
        if len(first) >= n:
            break
    return Preview(parsed=parsed, rows=first, columns=[parsed.header[i] for i in shown])


def refused_csv(actor: Actor, import_id: str) -> Iterator[str]:
    """line, reason, then the refused row's own cells under the file's header: fix and upload it
    again (line and reason are unknown columns to the import, so they are ignored)."""
    from portal.services.data_exchange.exports import csv_line

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


# --- the run ------------------------------------------------------------------------------------
def lease() -> timedelta:
    return timedelta(seconds=float(current_app.config["IMPORT_LEASE_SECONDS"]))


def enqueue(import_id: str) -> bool:
    """Put the import on the RQ queue (job id import-<id>); a Redis failure is logged, and the
    import-sweep job enqueues it later."""
    try:
        Queue(QUEUE, connection=get_redis()).enqueue(
            JOB_FUNC, import_id, job_id=f"import-{import_id}", job_timeout=JOB_TIMEOUT, result_ttl=3600,
            failure_ttl=7 * 24 * 3600, description=f"CSV import {import_id}")
    except RedisError as exc:
        log.warning("could not enqueue import %s (%s); the import sweep will", import_id, exc)
        return False
    return True


def _claim(import_id: str, now: datetime) -> int | None:
    """Take the import (queued, or running with its lease run out: its worker died). One conditional
    UPDATE, so two copies of the job cannot both win; returns the attempt number, the run's token."""
    j = ImportJob
    with unit_of_work() as s:
        row = s.execute(
            update(j).where(j.id == import_id, or_(
                j.status == "queued",
                and_(j.status == "running", or_(j.claimed_until.is_(None), j.claimed_until < now))))
            .values(status="running", claimed_until=now + lease(), attempts=j.attempts + 1,
                    started_at=func.coalesce(j.started_at, now))
            .returning(j.attempts)
            .execution_options(synchronize_session=False)
        ).first()
        return None if row is None else row.attempts


@dataclass
class _Row:
    line: int
    cells: list[str]


def _refusal_reason(exc: Exception) -> str:
    if isinstance(exc, PydanticError):
        errors = pydantic_errors(exc)
    elif isinstance(exc, DomainError):
        errors = exc.errors or [{"field": "", "message": exc.message}]
    else:  # a value the database refused (e.g. a text longer than its column on PostgreSQL)
        return "The database refused the row: " + str(getattr(exc, "orig", exc)).splitlines()[0][:300]
    return "; ".join(f"{e['field']}: {e['message']}" if e.get("field") else e["message"] for e in errors)


def _existing(kind: str, warehouse_id: str, keys: list[str]) -> dict[str, tuple[str, int | None]]:
    """key -> (id, stock level for parts) of the batch's keys that exist: one query per batch."""
    if kind == "assets":
        stmt = select(Equipment.asset_tag, Equipment.id, literal(None)).where(
            Equipment.warehouse_id == warehouse_id, Equipment.asset_tag.in_(keys))
    else:
        stmt = select(Part.part_number, Part.id, Part.stock_level).where(
            Part.warehouse_id == warehouse_id, Part.part_number.in_(keys))
    return {key: (row_id, level) for key, row_id, level in db.session.execute(stmt)}


def _upsert(actor: Actor, kind: str, data: dict[str, str], existing: dict, now: datetime) -> tuple[str, str, Any]:
    """Create or update one row through the API's schema and service: ('created', 'updated' or
    'unchanged', key, row). Unchanged: the key existed and no cell changed anything (the services
    then write nothing, send no event and leave updated_at as it was)."""
    create, change = SCHEMAS[kind]
    key = (data.get(KEY_COLUMN[kind]) or "").strip()
    found = existing.get(key)
    if found is None:
        model = create.model_validate(data, strict=False, by_alias=True)
        create_row = equipment_service.create_equipment if kind == "assets" else parts_service.create_part
        return "created", key, create_row(actor, model, now=now)
    row_id, level = found
    if kind == "parts" and "stockLevel" in data:
        given = PartCreate.model_validate({"partNumber": key, "stockLevel": data.pop("stockLevel")},
                                          strict=False, by_alias=True).stock_level
        if given != level:
            raise ValidationFailed(None, [{"field": "stockLevel", "message":
                                           f"The part exists with stock {level}: stock changes through stock "
                                           "movements (receipt, adjustment, count); the import sets the level "
                                           "of new parts only"}])
    model = change.model_validate(data, strict=False, by_alias=True)
    update_row = equipment_service.update_equipment if kind == "assets" else parts_service.update_part
    written = update_row(actor, row_id, model, now=now)
    # The services stamp updated_at with `now` only when something changed; `now` is this row's own
    # (see _write_batch), so an earlier row of the batch with the same key cannot be taken for it.
    return ("updated" if written.updated_at == now else "unchanged"), key, written


def _actor_of(job: ImportJob) -> Actor | None:
    """The importer, with their role of now: an importer no longer allowed to import stops the run."""
    user = db.session.get(User, job.created_by)
    if user is None or not user.active or user.warehouse_id != job.warehouse_id:
        return None
    return Actor.of(user)


def _finish(import_id: str, token: int, status: str, error: str | None = None) -> None:
    with unit_of_work() as s:
        s.execute(update(ImportJob).where(ImportJob.id == import_id, ImportJob.attempts == token)
                  .values(status=status, error=error, claimed_until=None, finished_at=utcnow())
                  .execution_options(synchronize_session=False))


def run(import_id: str) -> dict:
    """The RQ job's body: claim the import, then write its rows batch by batch from where the last
    committed batch stopped."""
    token = _claim(import_id, utcnow())
    if token is None:
        return {"importId": import_id, "skipped": "not queued, or held by a live worker"}
    job = db.session.get(ImportJob, import_id)
    db.session.refresh(job)
    if token > current_app.config["IMPORT_MAX_ATTEMPTS"]:
        why = f"the last one: {job.error}" if job.error else "the worker died each time"
        _finish(import_id, token, "failed",
                f"Stopped after {token - 1} run{'s' if token != 2 else ''} that did not finish ({why}); "
                f"{job.processed_rows} of {job.total_rows} rows were done")
        return {"importId": import_id, "status": "failed"}
    actor = _actor_of(job)
    if actor is None or not can(actor, "imports.manage"):
        _finish(import_id, token, "failed", "The user who uploaded the file may no longer import")
        return {"importId": import_id, "status": "failed"}
    kind, last_line = job.kind, job.last_line
    text = decode(job.content)
    parsed = parse_header(kind, header_of(text))
    db.session.rollback()  # no transaction held while reading the file
    try:
        if not _write_rows(import_id, token, actor, parsed, text, last_line):
            return {"importId": import_id, "skipped": "taken over by another run"}
    except Exception as exc:
        # The batch in flight is rolled back; the lease runs out and import-sweep runs it again.
        # The error is kept so a final "failed" says what kept stopping it.
        db.session.rollback()
        log.exception("import %s: run %d stopped", import_id, token)
        _note_error(import_id, token, f"{type(exc).__name__} after line {last_line}")
        raise
    _finish(import_id, token, "done")
    job = db.session.get(ImportJob, import_id, populate_existing=True)
    db.session.rollback()
    return {"importId": import_id, "status": "done", "created": job.created_count, "updated": job.updated_count,
            "unchanged": job.unchanged_count, "refused": job.refused_count}


def _write_rows(import_id: str, token: int, actor: Actor, parsed: Parsed, text: str, last_line: int) -> bool:
    batch_size = max(1, int(current_app.config["IMPORT_BATCH_ROWS"]))
    batch: list[_Row] = []
    for line, cells in rows(text):
        if line <= last_line:
            continue  # committed by an earlier run
        batch.append(_Row(line, cells))
        if len(batch) >= batch_size:
            if not _write_batch(import_id, token, actor, parsed, batch):
                return False
            batch = []
    return not batch or _write_batch(import_id, token, actor, parsed, batch)


def _note_error(import_id: str, token: int, error: str) -> None:
    try:
        with unit_of_work() as s:
            s.execute(update(ImportJob).where(ImportJob.id == import_id, ImportJob.attempts == token)
                      .values(error=error[:500]).execution_options(synchronize_session=False))
    except Exception:  # noqa: BLE001 - the database may be what failed; the lease still runs out
        log.warning("import %s: could not record the error", import_id)


def _write_batch(import_id: str, token: int, actor: Actor, parsed: Parsed, batch: list[_Row]) -> bool:
    """One transaction: every row in its own savepoint, then the counters, the line reached and a
    renewed lease. False when another run holds the import now (this one's lease ran out)."""
    now = utcnow()
    with unit_of_work() as s:
        job = s.scalars(select(ImportJob).where(ImportJob.id == import_id).with_for_update()
                        .execution_options(populate_existing=True)).one()
        if job.attempts != token or job.status != "running":
            return False
        values: list[dict | Exception] = []
        for row in batch:
            try:
                values.append(_values(parsed, row.cells))
            except DomainError as exc:
                values.append(exc)
        keys = [(v.get(KEY_COLUMN[parsed.kind]) or "").strip() for v in values if isinstance(v, dict)]
        existing = _existing(parsed.kind, job.warehouse_id, [k for k in keys if k])
        counts = {"created": 0, "updated": 0, "unchanged": 0, "refused": 0}
        for n, (row, data) in enumerate(zip(batch, values, strict=True)):
            events_before = len(s.info.get("pending_event_ids", []))
            # Each row its own instant (a microsecond apart, in file order): _upsert tells an
            # update from a row that changed nothing by the updated_at the service stamped.
            row_now = now + timedelta(microseconds=n)
            try:
                if isinstance(data, Exception):
                    raise data
                with s.begin_nested():
                    outcome, key, written = _upsert(actor, parsed.kind, dict(data), existing, row_now)
            except (PydanticError, DomainError, IntegrityError, DataError) as exc:
                # The savepoint is rolled back: nothing of this row stays, its events neither.
                del s.info.setdefault("pending_event_ids", [])[events_before:]
                s.add(ImportRefusal(import_id=import_id, line=row.line, reason=_refusal_reason(exc)))
                counts["refused"] += 1
                continue
            counts[outcome] += 1
            # A key repeated further down the file updates the row this one wrote.
            existing[key] = (written.id, getattr(written, "stock_level", None))
        job.created_count += counts["created"]
        job.updated_count += counts["updated"]
        job.unchanged_count += counts["unchanged"]
        job.refused_count += counts["refused"]
        job.processed_rows += len(batch)
        job.last_line = batch[-1].line
        job.claimed_until = utcnow() + lease()
    return True


# --- the sweep ----------------------------------------------------------------------------------
WAITING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.STARTED}


def sweep(now: datetime | None = None) -> dict:
    """Periodic: enqueue imports that RQ does not hold (Redis was down at upload) and running ones
    whose lease ran out (their worker died): those resume after their last committed batch."""
    now = now or utcnow()
    j = ImportJob
    found = db.session.execute(select(j.id, j.status).where(or_(
        j.status == "queued", and_(j.status == "running", j.claimed_until < now)))).all()
    db.session.rollback()
    if not found:
        return {"queued": 0, "abandoned": 0, "enqueued": 0}
    redis = get_redis()
    jobs = Job.fetch_many([f"import-{row.id}" for row in found], connection=redis)
    enqueued = abandoned = 0
    for row, rq_job in zip(found, jobs, strict=True):
        status = None if rq_job is None else rq_job.get_status(refresh=False)
        if row.status == "running":
            abandoned += 1
            if status == JobStatus.STARTED:  # RQ still believes the dead worker runs it
                _forget_started(rq_job)
            elif status in WAITING:  # already re-enqueued, not picked up yet
                continue
        elif status in WAITING:
            continue
        enqueued += enqueue(row.id)
    return {"queued": len(found) - abandoned, "abandoned": abandoned, "enqueued": enqueued}


def purge_files(now: datetime | None = None) -> dict:
    """Periodic: empty the stored file of imports finished more than IMPORT_KEEP_DAYS ago (up to
    MAX_IMPORT_BYTES each, in the database). Counters and refusals stay; only the refused rows'
    own cells (the CSV download) go with the file."""
    days = int(current_app.config["IMPORT_KEEP_DAYS"])
    if days <= 0:
        return {"purged": 0}
    now = now or utcnow()
    j = ImportJob
    with unit_of_work() as s:
        purged = s.execute(
            update(j).where(j.status.in_(("done", "failed")), j.finished_at < now - timedelta(days=days),
                            j.file_purged_at.is_(None))
            .values(content=b"", file_purged_at=now).execution_options(synchronize_session=False)
        ).rowcount
    return {"purged": purged}


def _forget_started(job: Job) -> None:
    """Take a dead worker's job out of RQ's started registry, so RQ's own clean-up of it later does
    not mark the re-enqueued job (same id) failed."""
    from rq.registry import StartedJobRegistry

    try:
        StartedJobRegistry(job.origin or QUEUE, connection=get_redis()).remove_executions(job)
    except (RedisError, AttributeError) as exc:
        log.warning("could not clear the started entry of import job %s (%s)", job.id, exc)
