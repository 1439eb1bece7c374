"""The embedded Redis (no REDIS_URL): processes started from one instance/ share one server."""
from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

ROOT = Path(__file__).resolve().parent.parent
# Each process stays connected until the test closes its stdin (no fixed sleep).
START = ("from portal.extensions import embedded_redis_socket as s; import sys; "
         "print(s(sys.argv[1]), flush=True); sys.stdin.read()")


def test_processes_starting_at_once_share_one_server():
    instance = tempfile.mkdtemp(prefix="maintainpro-redis-")
    procs = [subprocess.Popen([sys.executable, "-c", START, instance], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
             for _ in range(3)]
    try:
        sockets = {p.stdout.readline().strip() for p in procs}
        assert len(sockets) == 1, sockets
        # No retries: redis-py would retry the connection error a successful SHUTDOWN causes.
        client = redis.Redis(unix_socket_path=sockets.pop(), retry=Retry(NoBackoff(), 0))
        assert client.ping()
        assert client.info("clients")["connected_clients"] >= 3
        with contextlib.suppress(redis.ConnectionError):
            client.shutdown(nosave=True)  # the server must not outlive the test
    finally:
        for p in procs:
            p.stdin.close()
            p.wait(timeout=30)
