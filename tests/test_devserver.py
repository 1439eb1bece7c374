"""`make run` as a newcomer sees it (portal/devserver.py: gunicorn + worker + cron on one Redis).

LOG_FORMAT=text (the default outside production): the banner stays the last thing in the terminal
after the periodic jobs ran; then one line per request and one per failed job. LOG_FORMAT=json:
every line the processes log is a JSON object.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import TEST_CONFIG
from rq import Queue

from portal.jobs import load_all
from portal.jobs.registry import PERIODIC_JOBS
from portal.jobs.scheduler import PERIODIC_QUEUE
from portal.platform.redis import get_redis

ROOT = Path(__file__).resolve().parent.parent
BANNER_END = "Ctrl-C stops web and worker."
CLOCK = r"\d\d:\d\d:\d\d"
DEADLINE = 120  # seconds: a failure deadline on a busy machine, not a speed target


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Devserver:
    """`python -m portal.devserver` on this test's database and Redis, its output (stdout and stderr
    together, in the order written) collected line by line."""

    def __init__(self, app, log_format: str) -> None:
        self.port = _free_port()
        redis_url = TEST_CONFIG.get("REDIS_URL") or "unix://" + get_redis().connection_pool.connection_kwargs["path"]
        env = dict(os.environ, PYTHONPATH=str(ROOT), HOST="127.0.0.1", PORT=str(self.port), LOG_FORMAT=log_format,
                   DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_url)
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.proc = subprocess.Popen([sys.executable, "-m", "portal.devserver"], cwd=ROOT, env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()

    def wait_for(self, what: str, check) -> list[str]:
        """The output once check(lines) holds; fails with the output so far after DEADLINE."""
        with self.changed:
            if not self.changed.wait_for(lambda: check(self.lines) or self.proc.poll() is not None, DEADLINE) \
                    or not check(self.lines):
                pytest.fail(f"no {what} in the output of make run:\n" + "\n".join(self.lines[-60:]))
            return list(self.lines)

    def after_banner(self) -> list[str]:
        with self.changed:
            return [line for line in self.lines[self.lines.index(BANNER_END) + 1:] if line.strip()]

    def get(self, path: str) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as response:
            return response.status

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # what the devserver does on Ctrl-C too: stop both, wait
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise
        finally:
            self.reader.join(timeout=10)


@pytest.fixture
def devserver(app):
    load_all()
    started: list[Devserver] = []

    def start(log_format: str) -> Devserver:
        started.append(Devserver(app, log_format))
        return started[-1]

    yield start
    for server in started:
        if server.proc.poll() is None:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait()


def _banner_start(lines: list[str]) -> int:
    return next(n for n, line in enumerate(lines) if line.startswith("MaintainPro is running: http://127.0.0.1:"))


def _periodic_jobs_done(queue: Queue) -> bool:
    return queue.finished_job_registry.count + queue.failed_job_registry.count >= len(PERIODIC_JOBS)


def test_make_run_keeps_its_banner_last_then_a_line_per_request_and_failed_job(app, devserver):
    server = devserver("text")
    server.wait_for("banner", lambda lines: BANNER_END in lines)
    queue = Queue(PERIODIC_QUEUE, connection=get_redis())
    deadline = time.monotonic() + DEADLINE
    while not _periodic_jobs_done(queue):  # the cron scheduler runs every periodic job once at start
        assert time.monotonic() < deadline, "the periodic jobs did not run:\n" + "\n".join(server.lines[-60:])
        time.sleep(0.2)  # polling a condition, not timing anything
    assert queue.failed_job_registry.count == 0
    # Nothing after the banner: not the worker's start, not the jobs it ran (RQ's lines included).
    assert server.after_banner() == [], "\n".join(server.lines)
    assert _banner_start(server.lines) == server.lines.index(BANNER_END) - 8  # URL, logins, code, Ctrl-C

    assert server.get("/login") == 200
    assert server.get("/healthz") == 200  # a probe: no line
    server.wait_for("request line", lambda lines: any(" GET /login " in line for line in lines))
    queue.enqueue("portal.jobs.scheduler.run_periodic", "no-such-job")
    server.wait_for("failed job line", lambda lines: any("job failed" in line for line in lines))
    request_line, failed_line = server.after_banner()
    assert re.fullmatch(CLOCK + r" GET /login 200 \d+ ms", request_line)
    assert re.fullmatch(CLOCK + r" job failed: run_periodic\('no-such-job'\) KeyError: 'no-such-job' at "
                        r"portal/jobs/scheduler\.py:\d+ in run_periodic \(job \w{8}\)", failed_line)
    assert server.stop() == 0


def test_make_run_in_json_logs_json_lines_only(app, devserver):
    server = devserver("json")

    def jobs_logged(lines: list[str]) -> int:
        return sum('"type":"job"' in line for line in lines)

    server.wait_for("banner", lambda lines: BANNER_END in lines)
    server.wait_for("job lines", lambda lines: jobs_logged(lines) >= len(PERIODIC_JOBS))
    assert server.get("/login") == 200
    server.wait_for("request line", lambda lines: any('"route":"/login"' in line for line in lines))
    Queue(PERIODIC_QUEUE, connection=get_redis()).enqueue("portal.jobs.scheduler.run_periodic", "no-such-job")
    server.wait_for("failed job line", lambda lines: any('"status":"failed"' in line for line in lines))
    assert server.stop() == 0

    lines = server.lines
    banner = range(_banner_start(lines), lines.index(BANNER_END) + 1)
    logged = [json.loads(line) for n, line in enumerate(lines) if n not in banner and line.strip()]
    jobs = [entry for entry in logged if entry.get("type") == "job"]
    assert {entry["status"] for entry in jobs} == {"finished", "failed"}
    assert len(jobs) >= len(PERIODIC_JOBS) + 1
    assert len({entry["jobId"] for entry in jobs}) == len(jobs)  # one line per job, not per start and end
    assert {entry.get("periodic") for entry in jobs} == {*PERIODIC_JOBS, None}  # None: the failing one
    [request] = [entry for entry in logged if entry.get("type") == "request"]
    assert request == {**request, "method": "GET", "route": "/login", "status": 200}
    # Other records are JSON too: the worker's own start.
    assert any(entry.get("logger") == "worker" and entry["message"].startswith("cron scheduler started (pid ")
               for entry in logged)
