"""Extension objects, created once and bound to the app in create_app()."""
from __future__ import annotations

import contextvars

import click
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
    RQ worker and CLI call paid it, though only `flask db ...` (and tests) migrate. init_app()
    keeps the options and lists the `flask db` group; bind() makes Flask-Migrate's own `Migrate`
    object with them (its public init_app: `app.extensions["migrate"]` and the `flask db`
    commands are Flask-Migrate's), which `flask db` does before it runs a command."""

    def init_app(self, app: Flask, db: SQLAlchemy, **options) -> None:
        app.extensions["maintainpro_migrate"] = (db, options)
        app.cli.add_command(_MigrationCommands("db", help="Perform database migrations (Flask-Migrate)."))

    def bind(self, app: Flask):  # type: ignore[no-untyped-def]
        """Flask-Migrate's Migrate for `app` (made once): call before migrating in process."""
        bound = app.extensions.get("maintainpro_migrate_bound")
        if bound is None:
            from flask_migrate import Migrate

            db, options = app.extensions["maintainpro_migrate"]
            bound = app.extensions["maintainpro_migrate_bound"] = Migrate(app, db, **options)
        return bound


class _MigrationCommands(click.Group):
    """`flask db`: listed under this name and help; bound to the app, then parsed and run by
    Flask-Migrate's own group (Flask's CLI has pushed the app's context by then)."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra) -> click.Context:
        from flask_migrate.cli import db as commands

        migrate.bind(current_app)
        return commands.make_context(info_name, args, parent=parent, **extra)


migrate = MigrationsOnDemand()


jwt = JWTManager()
login_manager = LoginManager()


# Set in request.environ (never on g, which can outlive a request) once the bearer token of the
# request is verified: the route's check (api/common.py documented()) does not verify it again.
TOKEN_VERIFIED = "maintainpro.token_verified"
_RATE_LIMIT_KEY = "maintainpro.rate_limit_key"


def rate_limit_key() -> str:
    """An API key, else the user behind a valid token (its subject), else the client address (see platform/ratelimits.py).

    The token is verified here with flask-jwt-extended's verify_jwt_in_request (signature, expiry,
    session), once per request: the route then uses the same verified claims (TOKEN_VERIFIED)."""
    from flask import g, request
    from flask_jwt_extended import verify_jwt_in_request

    key = g.get("api_key")
    if key is not None:  # authenticated before the limiter ran (api/api_keys.py): its own budget
        return "key:" + key.api_key_id
    environ = request.environ
    known = environ.get(_RATE_LIMIT_KEY)
    if known is None:  # the first limit of this request (a route may have several)
        known = "ip:" + (get_remote_address() or "")
        if request.headers.get("Authorization", "").startswith("Bearer "):
            try:
                verified = verify_jwt_in_request()
            except Exception:  # bad, expired or revoked: the route answers 401 itself; count it by address
                verified = None
            if verified is not None:
                environ[TOKEN_VERIFIED] = True
                known = "user:" + str(verified[1]["sub"])  # signature checked: no forged subjects
        environ[_RATE_LIMIT_KEY] = known
    return known


def _api_limit() -> str:
    return current_app.config["RATELIMIT_API"]


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


def _is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


AUTH_ENDPOINTS = ("api.login", "api.refresh")  # their own per-address budget (auth_limit below)


def _outside_api_budget() -> bool:
    """Pages, /healthz and /readyz, and login and refresh (their own per-address budget, auth_limit)."""
    from flask import request

    return not _is_api_path(request.path) or request.endpoint in AUTH_ENDPOINTS


def _request_identity() -> str:
    """The route's endpoint; an /api URL that matches no route (404) or not with this method (405) is
    "api.unmatched", so that the API budget counts it and its answer carries the budget's headers
    (Flask-Limiter leaves a request without an endpoint unlimited)."""
    from flask import request

    if request.endpoint:
        return request.endpoint
    return "api.unmatched" if _is_api_path(request.path) else ""


limiter = Limiter(
    key_func=rate_limit_key,
    # One budget per user (or API key, or address without a valid token) shared by every /api route
    # and method: an application limit, counted once per request whatever the route.
    application_limits=[_api_limit],
    application_limits_per_method=False,
    application_limits_exempt_when=_outside_api_budget,
    request_identifier=_request_identity,
    # The X-RateLimit-* and Retry-After headers are written by platform/ratelimits.py: the budget's,
    # and Retry-After only on a 429 (Flask-Limiter would send it on every answer).
    headers_enabled=False,
    in_memory_fallback_enabled=True,  # Redis down: count per process instead of failing requests
    key_prefix="mp:rl",
)
# Login and token refresh, per client address, one budget for all of them: the API's routes are
# wired in platform/ratelimits.py; the portal's login form decorates its view with @auth_limit.
auth_limit = limiter.shared_limit(_auth_limit, scope="auth", key_func=get_remote_address)
# The portal's login and enrolment forms: the same budget, counting their POSTs only.
auth_form_limit = limiter.shared_limit(_auth_limit, scope="auth", key_func=get_remote_address, methods=["POST"])

# Portal forms and htmx requests carry a CSRF token; the API (Bearer tokens, no cookies) is exempt.
csrf = CSRFProtect()

# Set while a unit of work runs: SQLite then opens its transaction with BEGIN IMMEDIATE, so a
# read that leads to a write never hits SQLITE_BUSY half-way (see services/common/tenancy.py).
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
