"""Request ids, one JSON log line per request and per job, request figures, /healthz and /readyz.

Log lines go to the loggers "maintainpro.access" (requests) and "maintainpro.jobs" (RQ jobs),
each line one JSON object. They carry ids, routes (the URL rule, never the query string),
statuses and durations: never a header, a body, a token or a secret. By default they are written
to stderr; production routes them by configuring those logger names.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, jsonify, request
from sqlalchemy import text

from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.platform.telemetry import metrics

access_log = logging.getLogger("maintainpro.access")
job_log = logging.getLogger("maintainpro.jobs")
# A client's id is echoed only when it is short and plain (no header or log injection).
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _own_handler(logger: logging.Logger) -> None:
    """JSON lines as they are, on stderr, unless the operator configured the logger already."""
    if logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # not twice, and not wrapped in the root logger's text format


_own_handler(access_log)
_own_handler(job_log)


def log_json(logger: logging.Logger, **fields: Any) -> None:
    fields = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"), **fields}
    logger.info(json.dumps(fields, default=str, separators=(",", ":")))


def _claims() -> dict:
    """The verified token's claims when the route checked one (no database access)."""
    key = g.get("api_key")  # authenticated by an API key (api/api_keys.py): no token
    if key is not None:
        return {"sub": key.id}
    try:
        from flask_jwt_extended import get_jwt

        return get_jwt() or {}
    except Exception:  # the route took no token
        return {}


def _loaded_user_warehouse() -> str | None:
    """The warehouse of the user the route already loaded from its token (no extra query)."""
    key = g.get("api_key")
    if key is not None:
        return key.warehouse_id
    try:
        from flask_jwt_extended import get_current_user

        return getattr(get_current_user(), "warehouse_id", None)
    except Exception:  # no token on this route
        return None


def init_observability(app: Flask) -> None:
    @app.before_request
    def _start_request() -> None:
        g.request_started = time.perf_counter()
        sent = request.headers.get("X-Request-Id", "")
        g.request_id = sent if SANE_REQUEST_ID.match(sent) else uuid.uuid4().hex

    @app.after_request
    def _finish_request(response: Response) -> Response:
        started = g.get("request_started")
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-Id"] = request_id
        if started is None:
            return response
        duration_ms = (time.perf_counter() - started) * 1000
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        claims = _claims()
        log_json(access_log, type="request", requestId=request_id, userId=claims.get("sub"),
                 warehouseId=claims.get("wh") or _loaded_user_warehouse(), method=request.method, route=route,
                 status=response.status_code, durationMs=round(duration_ms, 2))
        if route not in ("/healthz", "/readyz"):  # load balancer probes would drown the figures
            metrics.record_request(app, route, request.method, response.status_code, duration_ms)
        return response

    @app.get("/healthz")
    def healthz():
        """The process is up and answers; nothing else is checked (no database, no Redis)."""
        return jsonify({"status": "ok"})

    @app.get("/readyz")
    def readyz():
        """Ready for traffic: the database and Redis answer. 503 in the error format otherwise."""
        from portal.platform.ratelimits import rate_limiting_state

        checks: dict[str, str] = {}
        errors = []
        try:
            db.session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            db.session.rollback()
            checks["database"] = "unreachable"
            errors.append({"field": "database", "message": f"Database unreachable ({type(exc).__name__})"})
        try:
            get_redis(app).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = "unreachable"
            errors.append({"field": "redis", "message": f"Redis unreachable ({type(exc).__name__})"})
        checks["rateLimiting"] = rate_limiting_state()
        if errors:
            resp = jsonify({"message": "Not ready", "errors": errors, "checks": checks})
            resp.status_code = 503
            return resp
        return jsonify({"status": "ready", "checks": checks})


class JobLogMixin:
    """For RQ workers: one JSON line when a job starts and one when it ends (id, function, status,
    duration). perform_job runs in the work horse, so forking workers log it too. The arguments after
    the queue (RQ 3: the execution) are handed on as they come."""

    def perform_job(self, job, queue, *args, **kwargs) -> bool:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        log_json(job_log, type="job", event="start", jobId=job.id, function=job.func_name, queue=queue.name)
        ok = False
        try:
            ok = super().perform_job(job, queue, *args, **kwargs)  # type: ignore[misc]
            return ok
        finally:
            status = job.get_status(refresh=False)
            log_json(job_log, type="job", event="end", jobId=job.id, function=job.func_name, queue=queue.name,
                     status=str(getattr(status, "value", status)) if status else ("finished" if ok else "failed"),
                     durationMs=round((time.perf_counter() - started) * 1000, 2))
