"""The one interface services use to put work on the background queue.

Services name a task by the dotted path of its RQ job function (a string: services never import
portal.jobs, and the same string is what RQ stores in Redis, so renaming a job module breaks jobs
already queued) and enqueue it with a job id. RQ and its registries are known here and in
platform/leases.py only; the worker side (portal/jobs/) runs them.

Every call that talks to Redis raises Unavailable when Redis cannot be reached: the caller has
committed its rows and decides what to log; the periodic sweeps (platform/leases.py) enqueue
what never reached the queue.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from portal.platform.redis import get_redis

log = logging.getLogger(__name__)

# Highest priority first; `imports` last, so a long CSV import never holds up deliveries or periodic jobs.
QUEUES = ["webhooks", "default", "imports"]
DEFAULT_QUEUE = "default"


class Unavailable(Exception):
    """Redis could not be reached: nothing was queued (or taken off a queue)."""


@dataclass(frozen=True)
class Task:
    """A kind of background job: the dotted name of its function, its queue and its limits."""

    func: str  # e.g. "portal.jobs.webhooks.deliver"; stored in Redis with every job
    queue: str = DEFAULT_QUEUE
    timeout: int = 180  # seconds a run may take before the worker stops it
    result_ttl: int = 3600
    failure_ttl: int = 7 * 24 * 3600
    description: str = "{job_id}"  # formatted with the job id


class Held(StrEnum):
    """Where the queue holds a job (one name per state, whatever the queue calls it)."""

    WAITING = "waiting"  # on a queue, or deferred: a worker will take it
    SCHEDULED = "scheduled"  # waiting for its time in the scheduler (a retry)
    STARTED = "started"  # a worker took it (and may have died since)
    NOT_HELD = "not_held"  # finished, failed, stopped, expired, or never queued


_HELD = {JobStatus.QUEUED: Held.WAITING, JobStatus.DEFERRED: Held.WAITING,
         JobStatus.SCHEDULED: Held.SCHEDULED, JobStatus.STARTED: Held.STARTED}


def _queue(name: str) -> Queue:
    return Queue(name, connection=get_redis())


def enqueue(task: Task, *args: object, job_id: str, at: datetime | None = None,
            delay: timedelta | None = None) -> None:
    """Queue one run of `task` with `args`, under `job_id` (a second enqueue with the same id
    replaces the first). With `at` or `delay` it waits in the scheduler until then."""
    options = {"job_id": job_id, "job_timeout": task.timeout, "result_ttl": task.result_ttl,
               "failure_ttl": task.failure_ttl, "description": task.description.format(job_id=job_id)}
    try:
        queue = _queue(task.queue)
        if at is not None:
            queue.enqueue_at(at, task.func, *args, **options)
        elif delay is not None:
            queue.enqueue_in(delay, task.func, *args, **options)
        else:
            queue.enqueue(task.func, *args, **options)
    except RedisError as exc:
        raise Unavailable(str(exc)) from exc


def enqueue_many(task: Task, runs: Sequence[tuple[str, tuple]]) -> int:
    """Queue several runs of `task` in one round trip: (job id, args) each. Returns how many."""
    if not runs:
        return 0
    try:
        _queue(task.queue).enqueue_many([
            Queue.prepare_data(task.func, args=args, job_id=job_id, timeout=task.timeout,
                               result_ttl=task.result_ttl, failure_ttl=task.failure_ttl,
                               description=task.description.format(job_id=job_id))
            for job_id, args in runs
        ])
    except RedisError as exc:
        raise Unavailable(str(exc)) from exc
    return len(runs)


def held(job_ids: list[str]) -> list[Held]:
    """Where the queue holds each job, in one round trip."""
    if not job_ids:
        return []
    try:
        jobs = Job.fetch_many(job_ids, connection=get_redis())
    except RedisError as exc:
        raise Unavailable(str(exc)) from exc
    return [Held.NOT_HELD if job is None else _HELD.get(job.get_status(refresh=False), Held.NOT_HELD)
            for job in jobs]


def forget_started(task: Task, job_id: str) -> None:
    """Take a dead worker's job out of the started registry, so the queue's own clean-up of it
    later does not mark the job enqueued again under the same id failed. Logged, never raised."""
    try:
        job = Job.fetch(job_id, connection=get_redis())
        StartedJobRegistry(job.origin or task.queue, connection=get_redis()).remove_executions(job)
    except NoSuchJobError:  # expired meanwhile: nothing left to clear
        return
    except (RedisError, AttributeError) as exc:
        log.warning("could not clear the started entry of job %s (%s)", job_id, exc)


def unschedule(task: Task, job_ids: Iterable[str]) -> list[str]:
    """Take jobs out of the scheduler; returns the ids this call removed (one moved to its queue
    by a scheduler meanwhile stays there: never queued twice). Logged, never raised."""
    taken = []
    for job_id in job_ids:
        try:
            if ScheduledJobRegistry(task.queue, connection=get_redis()).remove(job_id):
                taken.append(job_id)
        except RedisError as exc:
            log.warning("could not take job %s off the schedule (%s)", job_id, exc)
    return taken


def withdraw(task: Task, job_ids: list[str]) -> list[str]:
    """Take queued jobs off their queue before any worker dequeued them, and delete them; returns
    the ids removed (a job already dequeued elsewhere runs as usual)."""
    redis = get_redis()
    try:
        queue_key = _queue(task.queue).key
        with redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.lrem(queue_key, 0, job_id)
            removed = pipe.execute()
        gone = [job_id for job_id, n in zip(job_ids, removed, strict=True) if n]
        if gone:
            redis.delete(*(Job.key_for(job_id) for job_id in gone))
    except RedisError as exc:
        raise Unavailable(str(exc)) from exc
    return gone


def depths(queue_names: Iterable[str] = QUEUES) -> tuple[dict[str, int], dict[str, int]]:
    """Jobs waiting and jobs failed, per queue (the performance page)."""
    waiting, failed = {}, {}
    try:
        for name in queue_names:
            queue = _queue(name)
            waiting[name] = queue.count
            failed[name] = queue.failed_job_registry.count
    except RedisError as exc:
        raise Unavailable(str(exc)) from exc
    return waiting, failed
