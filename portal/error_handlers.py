"""The error handlers of both faces, registered on the app by create_app.

Each face answers errors its own way: JSON in the contract's format {message, errors:[{field,
message}]} under /api, pages of the portal (portal/web/errors.py) elsewhere. They are registered on
the app, not on the blueprints, because an unmatched URL (404, 405) belongs to no blueprint: the
path decides the face.
"""
from __future__ import annotations

import sqlite3

from flask import Flask, Response, current_app, jsonify, request
from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.platform.extensions import jwt
from portal.services.common.errors import DomainError
from portal.web.errors import error_page

# Errors meaning "the database is not there right now", not a bug in the request or the code.
DATABASE_DOWN = (OperationalError, InterfaceError)


def error_response(status: int, message: str, errors: list[dict] | None = None) -> Response:
    """An API error in the contract's format."""
    resp = jsonify({"message": message, "errors": errors or []})
    resp.status_code = status
    return resp


def database_down(exc: BaseException) -> bool:
    """Unreachable or restarting (DATABASE_DOWN), or an SQLite file that is no database at all
    (damaged or replaced): sqlite3 raises its bare DatabaseError for that, and only for that
    (constraint and SQL errors are its subclasses)."""
    if isinstance(exc, DATABASE_DOWN):
        return True
    return isinstance(exc, DatabaseError) and type(getattr(exc, "orig", None)) is sqlite3.DatabaseError


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


# --- the portal: pages for people -----------------------------------------------------------------

def _page_for_http_error(exc: HTTPException) -> Response:
    if exc.code == 400 and "CSRF" in (exc.description or ""):
        return error_page(400, "This form expired. Reload the page and try again.")
    if exc.code == 429:  # the limiter's description is its rule ("5 per 1 minute"), not words for people
        return error_page(429, "Too many attempts: wait a minute and try again.")
    return error_page(exc.code or 500, exc.description if (exc.code or 500) < 500 else None)


def _page_for_unexpected_error(exc: Exception) -> Response:
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_page(500, "The error was logged. Try again, or tell your administrator.")


# --- both faces -----------------------------------------------------------------------------------

def domain_error(exc: DomainError) -> Response:
    if not _is_api():
        return error_page(exc.status, exc.message)
    return error_response(exc.status, exc.message, exc.errors)


def http_error(exc: HTTPException) -> Response:
    if not _is_api():
        return _page_for_http_error(exc)
    resp = error_response(exc.code or 500, exc.description or exc.name)
    if exc.code == 405 and exc.valid_methods:
        resp.headers["Allow"] = ", ".join(exc.valid_methods)
    return resp


def unexpected_error(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return http_error(exc)
    if database_down(exc):
        # Unreachable, restarting, or a file it cannot open: retryable, so 503 and no traceback
        # (the type alone is logged; the message may name hosts or paths).
        current_app.logger.warning("database unavailable on %s %s: %s", request.method, request.path,
                                   type(exc).__name__)
        if not _is_api():
            return error_page(503, "The database is unavailable; try again shortly.")
        resp = error_response(503, "Service unavailable: the database cannot be reached",
                              [{"field": "database", "message": "Try again shortly"}])
        resp.headers["Retry-After"] = "5"
        return resp
    if not _is_api():
        return _page_for_unexpected_error(exc)
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "Internal server error")


# --- the API's token errors (flask-jwt-extended answers in its own shape by default) -------------

def _missing_token(reason: str) -> Response:
    return error_response(401, "Authentication required", [{"field": "Authorization", "message": reason}])


def _invalid_token(reason: str) -> Response:
    return error_response(401, "Invalid token", [{"field": "Authorization", "message": reason}])


def _expired_token(_header: dict, _payload: dict) -> Response:
    return error_response(401, "Token has expired")


def _revoked_token(_header: dict, _payload: dict) -> Response:
    return error_response(401, "Session has been revoked")


def _unknown_user(_header: dict, _payload: dict) -> Response:
    return error_response(401, "User no longer exists or is disabled")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
    jwt.unauthorized_loader(_missing_token)
    jwt.invalid_token_loader(_invalid_token)
    jwt.expired_token_loader(_expired_token)
    jwt.revoked_token_loader(_revoked_token)
    jwt.user_lookup_error_loader(_unknown_user)
