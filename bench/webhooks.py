"""Webhook throughput: events per second from commit to receipt, with 1 and 4 RQ workers,
beside bare `requests.post` calls to the same receiver in the same run.

    .venv/bin/python bench/webhooks.py [--events 200]

Uses DATABASE_URL / REDIS_URL when set, else a scratch SQLite file and the embedded Redis.
Workers are real `worker.py --no-cron` processes, in both modes: a forked work horse per job
(`--fork`) and the default (jobs in the worker process). The receiver runs in its own process (tests/receiver.py), so the
event producer here does not slow it down; receipt times are taken there (CLOCK_MONOTONIC).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import statistics
import subprocess
import sys
import time
from pathlib import Path

import common
import requests
from receiver import Receiver
from rq import Queue

from portal import create_app
from portal.platform import database as platform_database
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.schemas.webhooks import WebhookCreate
from portal.schemas.work_orders import WorkOrderCreate
from portal.services.common.actor import Actor
from portal.services.identity import auth as auth_service
from portal.services.integrations import delivery, signing
from portal.services.integrations import webhooks as webhook_service
from portal.services.work_orders import lifecycle as wo_service


class ReceiverProcess:
    """tests/receiver.py in a child process; (receipt time, entityId) of every POST come back."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("fork")
        self.records = ctx.Queue()
        self._stop = ctx.Event()
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=self._serve, args=(child,), daemon=True)
        self.proc.start()
        self.url = parent.recv()

    def _serve(self, conn) -> None:
        def report(got) -> None:
            try:
                entity = json.loads(got.body)["data"]["entityId"]
            except (ValueError, KeyError, TypeError):
                entity = None
            if entity is not None:  # the bare posts carry none
                self.records.put((got.at, entity))

        with Receiver() as receiver:
            receiver.on_request = report
            conn.send(receiver.url)
            self._stop.wait()

    def collect(self, count: int, timeout: float) -> list[tuple[float, str | None]]:
        got, deadline = [], time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            try:
                got.append(self.records.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                break
        return got

    def close(self) -> None:
        self._stop.set()
        self.proc.join(timeout=10)


def bare_posts(url: str, body: bytes, count: int, keep_alive: bool = False) -> float:
    """Sequential requests.post of a signed body of the same size: the ceiling for one sender
    (the issue's baseline: a new connection per POST; keep_alive: one requests.Session)."""
    headers = signing.headers_for("bench", "work_order.created", "secret", body)
    post = requests.Session().post if keep_alive else requests.post
    started = time.perf_counter()
    for _ in range(count):
        post(url, data=body, headers=headers, timeout=10, allow_redirects=False)
    return count / (time.perf_counter() - started)


def start_workers(n: int, env: dict, fork: bool) -> list[subprocess.Popen]:
    mode = ["--fork"] if fork else []
    log = open(Path(os.environ["MAINTAINPRO_INSTANCE"]) / "workers.log", "ab")  # noqa: SIM115 (children keep it)
    return [subprocess.Popen([sys.executable, str(common.ROOT / "worker.py"), "--no-cron", "--queues", "webhooks", *mode],
                             cwd=common.ROOT, env=env, stdout=log, stderr=log)
            for _ in range(n)]


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=30)


def commit_events(actor: Actor, events: int, label: str) -> tuple[dict[str, float], float]:
    committed: dict[str, float] = {}
    started = time.perf_counter()
    for i in range(events):
        wo = wo_service.create_work_order(actor, WorkOrderCreate.model_validate({"title": f"{label} {i}"}))
        committed[wo.id] = time.perf_counter()
    return committed, started


def wait_idle(workers: int, timeout: float = 60) -> None:
    """Until `workers` RQ workers listen on the webhooks queue, idle (their imports done)."""
    from rq import Worker

    queue = Queue("webhooks", connection=get_redis())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        idle = [w for w in Worker.all(queue=queue) if w.get_state() == "idle"]
        if len(idle) >= workers:
            return
        time.sleep(0.1)
    raise common.failed(f"{workers} workers did not come up", "workers.log")


def run_round(receiver: ReceiverProcess, actor: Actor, workers: int, fork: bool, events: int, backlog: int,
              env: dict) -> dict:
    # Live: workers waiting, events committed one after another; commit-to-receipt throughput.
    procs = start_workers(workers, env, fork)
    wait_idle(workers)
    committed, started = commit_events(actor, events, "Live order")
    produced = time.perf_counter() - started
    got = receiver.collect(events, timeout=300)
    stop_workers(procs)
    if len(got) < events:
        raise common.failed(f"{workers} workers, fork={fork}: only {len(got)} of {events} deliveries arrived", "workers.log")
    last = max(at for at, _ in got)
    latencies = sorted((at - committed[entity]) * 1000 for at, entity in got)
    # Backlog: committed with no job enqueued (as if Redis had been away), the workers started and
    # idle, then one outbox sweep enqueues the lot: delivery alone, from the sweep to the last receipt.
    platform_database.committed.disconnect(webhook_service.enqueue_committed)
    try:
        commit_events(actor, backlog, "Backlog order")
    finally:
        platform_database.committed.connect(webhook_service.enqueue_committed, weak=False)
    procs = start_workers(workers, env, fork)
    wait_idle(workers)
    swept_at = time.perf_counter()
    enqueued = delivery.sweep(limit=backlog)["enqueued"]
    drained = receiver.collect(backlog, timeout=300)
    stop_workers(procs)
    if enqueued != backlog or len(drained) < backlog:
        raise common.failed(f"{workers} workers, fork={fork}: {enqueued} enqueued, only {len(drained)} of {backlog} "
                            "backlog deliveries arrived", "workers.log")
    return {
        "workers": workers,
        "mode": "--fork" if fork else "default",
        "events": events,
        "commit_rate": events / produced,
        "end_to_end_rate": events / (last - started),
        "drain_rate": backlog / (max(at for at, _ in drained) - swept_at),
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200, help="live events per round")
    parser.add_argument("--backlog", type=int, default=1000, help="backlog deliveries drained per round")
    parser.add_argument("--modes", default="fork,default", help="worker modes to run: fork, default")
    args = parser.parse_args()

    common.scratch_instance()
    common.quiet_request_log()
    app = create_app(common.app_config(WEBHOOK_ALLOW_PRIVATE_TARGETS=True))
    receiver = ReceiverProcess()
    with app.app_context():
        common.fresh_schema()
        get_redis().delete("rq:queue:webhooks")
        admin = auth_service.create_user("admin@bench.example.com", "bench password 1", "admin", "Bench Plant")
        manager = auth_service.create_user("manager@bench.example.com", "bench password 1", "manager", "Bench Plant")
        actor = Actor.of(manager)
        webhook_service.create_webhook(Actor.of(admin), WebhookCreate.model_validate(
            {"url": receiver.url, "events": ["work_order.created"], "secret": "bench-secret-0123456789"}))
        db.session.rollback()
        redis_url = app.config["REDIS_URL"] or "unix://" + get_redis().connection_pool.connection_kwargs["path"]
        env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_url,
                   WEBHOOK_ALLOW_PRIVATE_TARGETS="1", PYTHONPATH=str(common.ROOT))

        sample = b'{"id":"' + b"x" * 36 + b'","event":"work_order.created","data":' + b"{}" * 300 + b"}"
        bare = bare_posts(receiver.url, sample, args.events)
        modes = [mode == "fork" for mode in args.modes.split(",") if mode]
        rounds = [run_round(receiver, actor, n, fork, args.events, args.backlog, env) for fork in modes for n in (1, 4)]
        bare_after = bare_posts(receiver.url, sample, args.events)
        session_rate = bare_posts(receiver.url, sample, args.events, keep_alive=True)
    receiver.close()

    database = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    print(f"database: {database}; redis: {'REDIS_URL' if os.environ.get('REDIS_URL') else 'embedded'}; "
          f"{args.events} events per round; cpus: {os.cpu_count()}")
    print(f"bare requests.post, 1 sender: {bare:8.1f} /s before, {bare_after:8.1f} /s after")
    print(f"(for comparison, one requests.Session with keep-alive: {session_rate:8.1f} /s)")
    ceiling = (bare + bare_after) / 2
    print("live = workers waiting while events are committed one by one (commit-to-receipt);")
    print("drain = a backlog of committed deliveries enqueued at once by the outbox sweep, workers idle and")
    print("        waiting: sweep to last receipt; ratio = drain / mean bare rate")
    for r in rounds:
        print(f"{r['workers']} worker(s), {r['mode']:<12}: commit {r['commit_rate']:6.1f} ev/s | live "
              f"{r['end_to_end_rate']:6.1f} ev/s (p50 {r['p50_ms']:5.0f} ms, p95 {r['p95_ms']:5.0f} ms), ratio "
              f"{r['end_to_end_rate'] / ceiling:.3f} | drain {r['drain_rate']:6.1f} ev/s, ratio "
              f"{r['drain_rate'] / ceiling:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
