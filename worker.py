"""The RQ worker: webhook deliveries and periodic jobs, on the configured Redis.

    python worker.py              worker + RQ scheduler (retries) + RQ cron scheduler (periodic jobs)
    python worker.py --no-cron    one more worker; run as many as you like against the same Redis
    python worker.py --burst      work until the queues are empty, then exit (no cron)
    python worker.py --fork       a forked work horse per job (isolation, ~7x slower deliveries)

Jobs run in the worker process by default (no fork per job): webhook deliveries are short I/O
jobs, and a non-forking worker keeps its database connection and its pooled HTTP connections to
receivers (still checked by the SSRF guard on every new connection) between jobs. A job's
timeout still applies (SIGALRM in the worker). --no-fork is accepted as before (the default).

Production with N workers: exactly one `python worker.py`, N-1 `python worker.py --no-cron`
(see portal/jobs/scheduler.py for why a second cron scheduler would still not double-run jobs).
"""
from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import signal

from redis import Redis

from portal import create_app
from portal.jobs import QUEUES, load_all
from portal.jobs.scheduler import AppSimpleWorker, AppWorker, build_cron
from portal.platform.redis import get_redis, redis_url_for

log = logging.getLogger("worker")


def _run_cron(redis_url: str) -> None:
    """Child process: rq's CronScheduler enqueues every registered periodic job on its interval
    (the jobs themselves run in the workers)."""
    build_cron(Redis.from_url(redis_url)).start()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-cron", action="store_true", help="do not start the cron scheduler")
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument("--fork", action="store_true", help="fork a work horse per job (isolation, slower)")
    parser.add_argument("--no-fork", action="store_true", help="run jobs in this process (the default)")
    parser.add_argument("--queues", default=",".join(QUEUES), help="comma-separated, highest priority first")
    args = parser.parse_args()

    app = create_app()
    load_all()
    # Resolved here, before any fork: with no REDIS_URL this starts (or joins) the embedded server
    # once, and the cron process talks to that same server.
    redis_url = redis_url_for(app)
    cron = None
    if not args.no_cron and not args.burst:
        cron = multiprocessing.get_context("fork").Process(target=_run_cron, args=(redis_url,), name="rq-cron",
                                                           daemon=True)
        cron.start()
        log.info("cron scheduler started (pid %s)", cron.pid)
    try:
        with app.app_context():
            worker_class = AppWorker if args.fork and not args.no_fork else AppSimpleWorker
            worker = worker_class([q for q in args.queues.split(",") if q], connection=get_redis(app))
            # RQ's own INFO lines are dropped by the log handler (configure_logging): the job line
            # (LOG_FORMAT) says what happened.
            worker.work(burst=args.burst, with_scheduler=True, logging_level="INFO")
    finally:
        if cron is not None and cron.is_alive():
            os.kill(cron.pid, signal.SIGTERM)
            cron.join(timeout=10)
            log.info("cron scheduler stopped (exit code %s)", cron.exitcode)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
