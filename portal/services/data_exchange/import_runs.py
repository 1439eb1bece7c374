"""The run of a CSV import: a resumable, leased job on the `imports` queue.

Rows are written in batches of IMPORT_BATCH_ROWS: each row inside its own savepoint (written whole
or not at all; a refused row is recorded with its line and reason), and the batch commits with the
job's counters and the line it reached. A worker killed mid-batch loses only that uncommitted
batch; the next run (the import-sweep job re-enqueues imports whose lease ran out,
platform/leases.py) starts after the last committed line, so the counters stay exact and no row
is written twice. The attempt number taken with the lease is the run's token: a run whose lease
was taken over stops at its next batch.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from pydantic import ValidationError as PydanticError
from sqlalchemy import func, literal, select, update
from sqlalchemy.exc import DataError, IntegrityError

from portal.models import Equipment, ImportJob, ImportRefusal, Part, User
from portal.models.types import utcnow
from portal.platform import queue
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.platform.leases import LeasedWork, Statuses
from portal.schemas.messages import people_errors
from portal.schemas.parts import PartCreate
from portal.services.assets import equipment as equipment_service
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError, ValidationFailed
from portal.services.data_exchange.columns import KEY_COLUMN, SCHEMAS
from portal.services.data_exchange.csv_files import Parsed, decode, header_of, parse_header, row_values, rows
from portal.services.identity.permissions import can
from portal.services.inventory import parts as parts_service

log = logging.getLogger(__name__)

# Its own queue, listed last: a long import never delays webhook deliveries or periodic jobs
# waiting on a worker that listens to all queues (README "Periodic jobs and workers").
RUN_IMPORT = queue.Task("portal.jobs.imports.run_import", queue="imports", timeout=3600,
                        description="CSV import {job_id}")
STATUS = Statuses(waiting="queued", running="running", done="done", failed="failed")
IMPORTS = LeasedWork(name="CSV import", model=ImportJob, status_column="status", statuses=STATUS,
                     task=RUN_IMPORT, job_prefix="import-")


def lease() -> timedelta:
    return timedelta(seconds=float(current_app.config["IMPORT_LEASE_SECONDS"]))


def enqueue(import_id: str) -> bool:
    """Put the import on the queue (job id import-<id>); a Redis failure is logged, and the
    import-sweep job enqueues it later."""
    return IMPORTS.enqueue([import_id]) == 1


def _claim(import_id: str, now: datetime) -> int | None:
    """Take the import (queued, or running with its lease run out: its worker died). One conditional
    UPDATE, so two copies of the job cannot both win; returns the attempt number, the run's token."""
    j = ImportJob
    with unit_of_work() as s:
        row = IMPORTS.claim(s, import_id, now, now + lease(),
                            values={"attempts": j.attempts + 1, "started_at": func.coalesce(j.started_at, now)},
                            returning=[j.attempts])
        return None if row is None else row.attempts


@dataclass
class _Row:
    line: int
    cells: list[str]


def _refusal_reason(exc: Exception) -> str:
    if isinstance(exc, PydanticError):
        errors = people_errors(exc)  # read by people: words for them, not the validator's text
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


def _parent_id(actor: Actor, tag: str) -> str:
    """The id of the asset tagged `tag` in the importer's warehouse (an earlier row of the same file
    counts: rows are written in file order), or the row is refused on parentTag."""
    found = db.session.scalar(select(Equipment.id).where(
        Equipment.warehouse_id == actor.warehouse_id, Equipment.asset_tag == tag))
    if found is None:
        raise ValidationFailed(None, [{"field": "parentTag", "message": f"No asset tagged {tag} (the parent "
                                       "must exist, or come earlier in the file)"}])
    return found


def _upsert(actor: Actor, kind: str, data: dict[str, str], existing: dict, now: datetime) -> tuple[str, str, Any]:
    """Create or update one row through the API's schema and service: ('created', 'updated' or
    'unchanged', key, row). Unchanged: the key existed and no cell changed anything (the services
    then write nothing, send no event and leave updated_at as it was)."""
    create, change = SCHEMAS[kind]
    key = (data.get(KEY_COLUMN[kind]) or "").strip()
    if kind == "assets" and "parentTag" in data:
        data["parentId"] = _parent_id(actor, data.pop("parentTag").strip())
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
        _finish(import_id, token, STATUS.failed,
                f"Stopped after {token - 1} run{'s' if token != 2 else ''} that did not finish ({why}); "
                f"{job.processed_rows} of {job.total_rows} rows were done")
        return {"importId": import_id, "status": STATUS.failed}
    actor = _actor_of(job)
    if actor is None or not can(actor, "imports.manage"):
        _finish(import_id, token, STATUS.failed, "The user who uploaded the file may no longer import")
        return {"importId": import_id, "status": STATUS.failed}
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
    _finish(import_id, token, STATUS.done)
    job = db.session.get(ImportJob, import_id, populate_existing=True)
    db.session.rollback()
    return {"importId": import_id, "status": STATUS.done, "created": job.created_count, "updated": job.updated_count,
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
        if job.attempts != token or job.status != STATUS.running:
            return False
        values: list[dict | Exception] = []
        for row in batch:
            try:
                values.append(row_values(parsed, row.cells))
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
def sweep(now: datetime | None = None) -> dict:
    """Periodic: enqueue imports that the queue does not hold (Redis was down at upload) and running
    ones whose lease ran out (their worker died): those resume after their last committed batch."""
    swept = IMPORTS.sweep(now or utcnow(), limit=None)
    return {"queued": swept.due - swept.lease_ran_out, "abandoned": swept.lease_ran_out, "enqueued": swept.enqueued}


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
            update(j).where(j.status.in_(STATUS.finished), j.finished_at < now - timedelta(days=days),
                            j.file_purged_at.is_(None))
            .values(content=b"", file_purged_at=now).execution_options(synchronize_session=False)
        ).rowcount
    return {"purged": purged}
