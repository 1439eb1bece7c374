"""Leases on queued work kept in a table (webhook deliveries, CSV imports): the claim, and the
sweep that queues again what the queue does not hold.

Each row of such work goes through one set of stages: waiting (for a worker) -> running (a
worker holds its lease) -> done or failed. A kind of work stores the stages under the values its
API shows (Statuses): a webhook delivery is "pending" while waiting and while being sent, then
"delivered" or "failed"; an import is "queued", "running", then "done" or "failed".

- Claim: one conditional UPDATE sets the row's claimed_until (the lease) where the row is waiting,
  or running with its lease run out, so two copies of a job (double enqueue, a sweep racing the
  queue) cannot both win, and the row of a worker that died is free again once its lease ran out.
- Sweep (a periodic job per kind): every claimable row should be held by the queue. One the queue
  does not hold (Redis was down at commit time, the process died between commit and enqueue) is
  enqueued; a job the queue still marks started whose lease ran out belonged to a worker that died
  mid-run: it leaves the started registry and is enqueued again; a job still in the scheduler a
  while after it fell due has no scheduler (the worker holding the scheduler's lock died) and is
  moved to the queue. The job id is the row's id (with a prefix per kind), so the queue never
  holds two jobs of one row.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from portal.platform import queue
from portal.platform.extensions import db

log = logging.getLogger(__name__)

# The scheduler moves due jobs to their queue every second; one still scheduled this long after
# its time has no scheduler.
SCHEDULER_GRACE = timedelta(seconds=5)


@dataclass(frozen=True)
class Statuses:
    """The stored (and API-visible) value of each stage for one kind of work."""

    waiting: str
    running: str
    done: str
    failed: str

    @property
    def claimable(self) -> tuple[str, ...]:
        """Values of a row a worker may claim (if its lease is free)."""
        return tuple(dict.fromkeys((self.waiting, self.running)))

    @property
    def finished(self) -> tuple[str, ...]:
        return (self.done, self.failed)


@dataclass(frozen=True)
class Swept:
    """What a sweep found and did."""

    due: int = 0  # claimable rows looked at
    lease_ran_out: int = 0  # of them: claimed once, by a worker that never finished
    enqueued: int = 0
    restarted: int = 0  # jobs of workers that died mid-run, taken out of the started registry
    stranded: int = 0  # jobs left in the scheduler with no scheduler, moved to the queue


@dataclass(frozen=True)
class LeasedWork:
    """One kind of queued work: its table, status column and values, and its queue task."""

    name: str  # for log lines, e.g. "webhook delivery"
    model: Any  # a mapped class with id, status column, claimed_until and created_at
    status_column: str
    statuses: Statuses
    task: queue.Task
    job_prefix: str = ""

    @property
    def status(self) -> InstrumentedAttribute:
        return getattr(self.model, self.status_column)

    def job_id(self, row_id: str) -> str:
        return self.job_prefix + row_id

    def lease_free(self, now: datetime) -> ColumnElement[bool]:
        """Never claimed, or its lease ran out (its worker died or gave it back)."""
        claimed_until = self.model.claimed_until
        return or_(claimed_until.is_(None), claimed_until < now)

    def claimable(self, now: datetime) -> ColumnElement[bool]:
        return self.status.in_(self.statuses.claimable) & self.lease_free(now)

    def claim(self, session: Session, row_id: str, now: datetime, until: datetime, *,
              where: Sequence[ColumnElement[bool]] = (), values: dict | None = None,
              returning: Sequence[Any] = ()) -> Row | None:
        """Take the lease of one row until `until` (status: running) if it is claimable and
        matches `where`; one UPDATE, so of two concurrent claims one wins. Returns the
        `returning` columns of the claimed row, or None when not claimed."""
        m = self.model
        return session.execute(
            update(m).where(m.id == row_id, self.claimable(now), *where)
            .values({self.status_column: self.statuses.running, "claimed_until": until, **(values or {})})
            .returning(*(returning or (m.id,)))
            .execution_options(synchronize_session=False)
        ).first()

    def enqueue(self, row_ids: Sequence[str]) -> int:
        """Queue one job per row (job id from the row id). Redis down is logged, not raised: the
        rows are committed, and the sweep queues them later. Returns how many were queued."""
        try:
            return queue.enqueue_many(self.task, [(self.job_id(row_id), (row_id,)) for row_id in row_ids])
        except queue.Unavailable as exc:
            log.warning("could not enqueue %d %s job(s) (%s); the sweep will", len(row_ids), self.name, exc)
            return 0

    def sweep(self, now: datetime, *, due_at: InstrumentedAttribute | None = None,
              where: Sequence[ColumnElement[bool]] = (), limit: int | None = 1000) -> Swept:
        """Queue the claimable rows (matching `where`) that the queue does not hold, oldest first.
        `due_at`: the column of a row's next attempt, whose job waits in the scheduler until then."""
        m = self.model
        stmt = (select(m.id, m.claimed_until, due_at if due_at is not None else m.claimed_until)
                .where(self.claimable(now), *where).order_by(m.created_at))
        rows = db.session.execute(stmt.limit(limit) if limit else stmt).all()
        db.session.rollback()  # end the read transaction before talking to Redis
        if not rows:
            return Swept()
        ids = [row[0] for row in rows]
        lease_ran_out = {row[0] for row in rows if row[1] is not None}
        overdue = {row[0] for row in rows
                   if due_at is not None and row[2] is not None and row[2] < now - SCHEDULER_GRACE}
        missing, restarted, stranded = [], [], []
        for row_id, where_held in zip(ids, queue.held([self.job_id(i) for i in ids]), strict=True):
            if where_held == queue.Held.STARTED:
                # A live worker's lease has not run out (it outlasts the worker's longest step), so
                # this never doubles a run in flight; the queue's own check for abandoned jobs runs
                # only every few minutes.
                if row_id in lease_ran_out:
                    restarted.append(row_id)
            elif where_held == queue.Held.SCHEDULED:
                if row_id in overdue:
                    stranded.append(row_id)
            elif where_held != queue.Held.WAITING:
                missing.append(row_id)
        for row_id in restarted:
            queue.forget_started(self.task, self.job_id(row_id))
        unstranded = queue.unschedule(self.task, [self.job_id(i) for i in stranded])
        back = {self.job_id(i): i for i in stranded}
        enqueued = self.enqueue(missing + restarted + [back[job_id] for job_id in unstranded])
        return Swept(due=len(ids), lease_ran_out=len(lease_ran_out), enqueued=enqueued,
                     restarted=len(restarted), stranded=len(unstranded))
