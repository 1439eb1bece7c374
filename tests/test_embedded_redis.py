"""The embedded Redis (no REDIS_URL): processes started from one instance/ share one server."""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
START = "from portal.extensions import embedded_redis_socket as s; import sys, time; print(s(sys.argv[1]), flush=True); time.sleep(3)"


def test_processes_starting_at_once_share_one_server():
    instance = tempfile.mkdtemp(prefix="maintainpro-redis-")
    procs = [subprocess.Popen([sys.executable, "-c", START, instance], cwd=ROOT, stdout=subprocess.PIPE, text=True)
             for _ in range(3)]
    try:
        sockets = {p.stdout.readline().strip() for p in procs}
        assert len(sockets) == 1, sockets
        client = redis.Redis(unix_socket_path=sockets.pop())
        assert client.ping()
        assert client.info("clients")["connected_clients"] >= 3
        try:
            client.shutdown(nosave=True)  # the server must not outlive the test
        except redis.ConnectionError:
            pass
    finally:
        for p in procs:
            p.wait(timeout=30)
