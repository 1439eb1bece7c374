"""The JSON API under /api: one module per resource, all errors as {message, errors}."""
from __future__ import annotations

import sqlite3

from flask import Flask, request
from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.api.blueprint import api, error_response
from portal.platform.extensions import jwt
from portal.services.common.errors import DomainError
from portal.services.identity import auth as auth_service

__all__ = ["api", "error_response", "register_api"]


# Errors meaning "the database is not there right now", not a bug in the request or the code.
DATABASE_DOWN = (OperationalError, InterfaceError)


def database_down(exc: BaseException) -> bool:
    """Unreachable or restarting (DATABASE_DOWN), or an SQLite file that is no database at all
    (damaged or replaced): sqlite3 raises its bare DatabaseError for that, and only for that
    (constraint and SQL errors are its subclasses)."""
    if isinstance(exc, DATABASE_DOWN):
        return True
    return isinstance(exc, DatabaseError) and type(getattr(exc, "orig", None)) is sqlite3.DatabaseError


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def register_api(app: Flask) -> None:
    from portal.api import (  # noqa: F401  (routes register on import)
        admin,
        api_keys,
        auth,
        checklists,
        docs,
        equipment,
        exports,
        imports,
        kpis,
        parts,
        pm,
        users,
        warehouse,
        webhooks,
        work_order_extras,
        work_orders,
    )

    api_keys.install(app)

    from portal.api.routing import install as install_converters

    install_converters(app)  # before the blueprint's rules are bound to the URL map
    app.register_blueprint(api)

    # Each face answers errors its own way: JSON in the contract's format under /api, pages of the
    # portal elsewhere (portal/web/errors.py). Registered on the app, not the blueprints, because an
    # unmatched URL (404, 405) belongs to no blueprint; the path decides the face.
    from portal.web import errors as web_errors

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        if not _is_api():
            return web_errors.error_page(exc.status, exc.message)
        return error_response(exc.status, exc.message, exc.errors)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if not _is_api():
            return web_errors.html_http_error(exc)
        resp = error_response(exc.code or 500, exc.description or exc.name)
        if exc.code == 405 and exc.valid_methods:
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
        return resp

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if database_down(exc):
            # Unreachable, restarting, or a file it cannot open: retryable, so 503 and no traceback
            # (the type alone is logged; the message may name hosts or paths).
            app.logger.warning("database unavailable on %s %s: %s", request.method, request.path, type(exc).__name__)
            if not _is_api():
                return web_errors.error_page(503, "The database is unavailable; try again shortly.")
            resp = error_response(503, "Service unavailable: the database cannot be reached",
                                  [{"field": "database", "message": "Try again shortly"}])
            resp.headers["Retry-After"] = "5"
            return resp
        if not _is_api():
            return web_errors.html_unexpected_error(exc)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Internal server error")

    # flask-jwt-extended answers in its own shape by default; use the contract's.
    @jwt.unauthorized_loader
    def missing_token(reason: str):
        return error_response(401, "Authentication required", [{"field": "Authorization", "message": reason}])

    @jwt.invalid_token_loader
    def invalid_token(reason: str):
        return error_response(401, "Invalid token", [{"field": "Authorization", "message": reason}])

    @jwt.expired_token_loader
    def expired_token(_header, _payload):
        return error_response(401, "Token has expired")

    @jwt.revoked_token_loader
    def revoked_token(_header, _payload):
        return error_response(401, "Session has been revoked")

    @jwt.user_lookup_error_loader
    def unknown_user(_header, _payload):
        return error_response(401, "User no longer exists or is disabled")

    # The session and the user come back from one query (the blocklist check runs first); the
    # user is kept on this request only (its WSGI environ), never across requests.
    @jwt.token_in_blocklist_loader
    def revoked(_header, payload) -> bool:
        sid = payload.get("sid")
        if sid is None:
            return True
        live, user = auth_service.token_session(sid, payload["sub"])
        request.environ["maintainpro.token_user"] = (sid, user)
        return not live

    @jwt.user_lookup_loader
    def load_user(_header, payload):
        sid, user = request.environ.get("maintainpro.token_user", (None, None))
        if sid is not None and sid == payload.get("sid"):
            return user
        return auth_service.load_user(payload["sub"])
