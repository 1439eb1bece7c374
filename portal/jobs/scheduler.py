"""How jobs run on RQ: an app context in every job, a fresh DB pool in every forked work horse,
and the periodic jobs on RQ's cron scheduler.

Running N workers against one Redis: start `python worker.py` once (worker + RQ scheduler for
retries + the cron scheduler) and `python worker.py --no-cron` for every other worker. RQ's
retry scheduler takes a Redis lock per queue, so any number of workers may run it; should the
lock's holder die, the others take over only minutes later, and until then the outbox sweep
queues the webhook retries that are overdue (delivery.sweep). rq's
CronScheduler has no lock of its own; should two run anyway (two hosts both started without
--no-cron), run_periodic() takes a Redis lock per job and interval, so each periodic job still
runs at most once per interval.
"""
from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask import Flask, current_app, has_app_context
from redis import Redis
from rq import SimpleWorker, Worker
from rq.cron import CronScheduler

from portal.jobs.registry import PERIODIC_JOBS
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.platform.telemetry.observability import JobLogMixin

log = logging.getLogger(__name__)
PERIODIC_QUEUE = "default"
_app: Flask | None = None
# Sessions inherited from the parent by a forked work horse: kept referenced so they are never
# closed or collected there (that would talk over the parent's database socket).
_inherited_sessions: list = []


@contextmanager
def job_app() -> Iterator[Flask]:
    """The app a job runs in: the worker's (AppWorker pushes it), else one made for this process."""
    global _app
    if has_app_context():
        yield current_app  # type: ignore[misc]  # the proxy: the app of the context pushed
        return
    if _app is None:
        from portal import create_app

        _app = create_app()
    with _app.app_context():
        try:
            yield _app
        finally:
            db.session.remove()


def fresh_database_after_fork() -> None:
    """In a forked child: drop the parent's pooled connections without closing them (they are
    the parent's sockets) and start from a new session."""
    if not has_app_context():
        return
    if db.session.registry.has():
        _inherited_sessions.append(db.session.registry())
        db.session.registry.clear()
    db.engine.dispose(close=False)


class PromptUnsubscribe:
    """Ends the worker's command channel (RQ's pubsub thread) at once when the worker stops.

    RQ 3.0 unsubscribes, then stops the thread; redis-py 8 joins the thread in stop(). A thread
    that read the unsubscribe reply before the stop flag was set goes back to waiting up to 60 s for
    a subscription that never comes, and the worker's teardown waits with it: a burst run (tests,
    `flask jobs`) ended a minute late, at random, and a stopping worker could too. Setting the stop
    flag first (stop with a zero wait), then unsubscribing, wakes the thread on the reply and it
    leaves. Public attributes and methods of RQ's Worker and redis-py's PubSub only."""

    def unsubscribe(self) -> None:
        thread = getattr(self, "pubsub_thread", None)
        if thread is None:
            super().unsubscribe()  # type: ignore[misc]
            return
        thread.stop(timeout=0)
        self.pubsub.unsubscribe()  # type: ignore[attr-defined]
        thread.join(timeout=2)
        self.pubsub.close()  # type: ignore[attr-defined]


class AppWorker(PromptUnsubscribe, JobLogMixin, Worker):
    """RQ worker whose work horses (one fork per job) get their own database connections."""

    def main_work_horse(self, job, queue) -> None:
        gc.disable()  # a horse lives for one job and leaves with os._exit()
        fresh_database_after_fork()
        super().main_work_horse(job, queue)


class AppSimpleWorker(PromptUnsubscribe, JobLogMixin, SimpleWorker):
    """`worker.py --no-fork`: jobs run in the worker process itself, reusing its database and HTTP
    connections; several times the throughput, at the price of no per-job process isolation."""


def run_periodic(name: str, now: str | None = None) -> dict:
    """RQ entry point of every periodic job enqueued by the cron scheduler."""
    job = PERIODIC_JOBS[name]
    with job_app():
        lock_key = f"maintainpro:periodic:{name}"
        # At most one run per interval even if two cron schedulers enqueue it (see module doc).
        if not get_redis().set(lock_key, "1", nx=True, ex=max(1, int(job.interval * 0.8))):
            # Expected with two cron schedulers: not worth a line on every tick.
            log.debug("periodic job %s already ran this interval; skipped", name)
            return {"skipped": True}
        return job.func(datetime.fromisoformat(now) if now else None)


def worker_listening(connection: Redis, pid: int) -> bool:
    """Whether the worker process `pid` has registered with RQ, i.e. listens to its queues
    (`make run` shows its banner only then)."""
    return any(worker.pid == pid for worker in Worker.all(connection=connection))


def build_cron(connection: Redis) -> CronScheduler:
    from portal.jobs import load_all

    load_all()
    cron = CronScheduler(connection=connection, name="")
    for job in PERIODIC_JOBS.values():
        # meta "periodic": the job's name in its log line (every periodic job is run_periodic).
        cron.register(run_periodic, PERIODIC_QUEUE, args=(job.name,), interval=job.interval,
                      job_timeout=max(300, job.interval), result_ttl=3600, meta={"periodic": job.name})
    return cron
