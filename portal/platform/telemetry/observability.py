"""Request ids, one log line per request and per job, request figures, /healthz and /readyz.

Log lines go to the loggers "maintainpro.access" (requests) and "maintainpro.jobs" (RQ jobs). They
carry ids, routes, statuses and durations: never a header, a body, a token or a secret. By default
they are written to stderr; production routes them by configuring those logger names.

LOG_FORMAT (portal/config.py) chooses their shape:
- json (the default when MAINTAINPRO_ENV=production): one JSON object per request and per job, and
  every other log record as a JSON object too, so a log collector reads one format.
- text (the default otherwise, `make run`): a developer's terminal. One short line per request
  ("14:02:07 GET /work-orders 200 12 ms") and one per failed job; a successful job, a health probe
  and a live-update poll that found nothing new print nothing, so the periodic jobs ticking every
  30 seconds do not scroll the banner of `make run` away.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, jsonify, request
from sqlalchemy import text

from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.platform.telemetry import metrics

access_log = logging.getLogger("maintainpro.access")
job_log = logging.getLogger("maintainpro.jobs")
# A client's id is echoed only when it is short and plain (no header or log injection).
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
LOG_FORMATS = ("text", "json")
_CHECKOUT = str(Path(__file__).resolve().parents[3]) + "/"
# The format of a process whose log lines come from no app (set by configure_logging).
_process_format = "text"


def _own_handler(logger: logging.Logger) -> None:
    """Lines as they are, on stderr, unless the operator configured the logger already."""
    if logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # not twice, and not wrapped in the root logger's format


_own_handler(access_log)
_own_handler(job_log)


def _utc_iso(epoch: float | None = None) -> str:
    moment = datetime.fromtimestamp(epoch, UTC) if epoch is not None else datetime.now(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def log_json(logger: logging.Logger, **fields: Any) -> None:
    logger.info(json.dumps({"ts": _utc_iso(), **fields}, default=str, separators=(",", ":")))


def _log_text(logger: logging.Logger, line: str, level: int = logging.INFO) -> None:
    logger.log(level, "%s %s", time.strftime("%H:%M:%S"), line)


class JsonLineFormatter(logging.Formatter):
    """Any log record as one JSON object on one line (a traceback is a field, not more lines)."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {"ts": _utc_iso(record.created), "level": record.levelname, "logger": record.name,
                                  "message": record.getMessage()}
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return json.dumps(fields, default=str, separators=(",", ":"))


class ConsoleHandler(logging.StreamHandler):
    """The root logger's handler that configure_logging installs (found again by its class)."""


# Libraries' INFO lines nobody needs to read: RQ's own loggers say a line or three per job
# ("default: run_periodic(...)", "Job OK", "Result is kept...") and one per cron tick, which the job
# line below says once; alembic lists its plugins on every `flask db upgrade` (`make run`).
QUIET_BELOW_WARNING = ("rq.", "alembic.runtime.plugins")


def _not_library_chatter(record: logging.LogRecord) -> bool:
    """Their warnings and errors still show. Filtered here, at the handler: RQ's log levels stay as
    the worker sets them (the worker lowered to WARNING sometimes hung on SIGTERM under rq 3)."""
    return record.levelno >= logging.WARNING or not record.name.startswith(QUIET_BELOW_WARNING)


def _not_rq_job_exception(record: logging.LogRecord) -> bool:
    """RQ logs a failed job's traceback itself, with the job's id as an extra field; the job line
    (JobLogMixin) already reports the failure, in the chosen format."""
    return not hasattr(record, "job_id")


def configure_logging(log_format: str) -> None:
    """Logging of this process in LOG_FORMAT: called by create_app, so the web, the worker, the cron
    scheduler and the CLI all log alike. A root logger that something else configured (an
    operator's logging config, a test runner) is left as it is, as logging.basicConfig would."""
    global _process_format
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    _process_format = log_format
    root = logging.getLogger()
    console = next((handler for handler in root.handlers if isinstance(handler, ConsoleHandler)), None)
    if console is None and not root.handlers:
        console = ConsoleHandler(sys.stderr)
        console.addFilter(_not_library_chatter)
        root.addHandler(console)
        root.setLevel(logging.INFO)
    if console is not None:
        console.setFormatter(JsonLineFormatter() if log_format == "json"
                             else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    rq_worker = logging.getLogger("rq.worker")
    if _not_rq_job_exception not in rq_worker.filters:
        rq_worker.addFilter(_not_rq_job_exception)


def _format_now() -> str:
    return current_app.config.get("LOG_FORMAT", _process_format) if has_app_context() else _process_format


def _claims() -> dict:
    """The verified token's claims when the route checked one (no database access)."""
    key = g.get("api_key")  # authenticated by an API key (api/api_keys.py): no token
    if key is not None:
        return {"sub": key.id}
    if request.blueprint != "api":  # pages carry no token: asking would raise, at a cost, every time
        return {}
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
    if request.blueprint != "api":
        return None
    try:
        from flask_jwt_extended import get_current_user

        return getattr(get_current_user(), "warehouse_id", None)
    except Exception:  # no token on this route
        return None


def init_observability(app: Flask) -> None:
    @app.before_request
    def _start_request() -> None:
        g.request_started = time.perf_counter()
        g.request_id = request_id_from(request.headers.get("X-Request-Id", ""))

    @app.after_request
    def _finish_request(response: Response) -> Response:
        started = g.get("request_started")
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-Id"] = request_id
        if started is None:
            return response
        duration_ms = (time.perf_counter() - started) * 1000
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        if app.config.get("LOG_FORMAT") == "text":
            log_request(app, request_id=request_id, method=request.method, route=route, status=response.status_code,
                        duration_ms=duration_ms, shown_path=_shown_path(route))
        else:
            claims = _claims()
            log_request(app, request_id=request_id, method=request.method, route=route, status=response.status_code,
                        duration_ms=duration_ms, user_id=claims.get("sub"),
                        warehouse_id=claims.get("wh") or _loaded_user_warehouse())
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


def request_id_from(sent: str) -> str:
    """The client's X-Request-Id when it is short and plain, else a new one."""
    return sent if SANE_REQUEST_ID.match(sent) else uuid.uuid4().hex


def log_request(app: Flask, *, request_id: str, method: str, route: str, status: int, duration_ms: float,
                shown_path: str | None = None, user_id: str | None = None, warehouse_id: str | None = None) -> None:
    """A request's access line (LOG_FORMAT's shape) and its share of the request figures: every answer
    of the app (_finish_request), and the quiet live polls answered before Flask (web/live_poll.py)."""
    if app.config.get("LOG_FORMAT") == "text":
        if _worth_a_text_line(route, status):
            _log_text(access_log, f"{method} {shown_path or route} {status} {duration_ms:.0f} ms")
    else:
        log_json(access_log, type="request", requestId=request_id, userId=user_id, warehouseId=warehouse_id,
                 method=method, route=route, status=status, durationMs=round(duration_ms, 2))
    if route not in ("/healthz", "/readyz"):  # load balancer probes would drown the figures
        metrics.record_request(app, route, method, status, duration_ms)


def _worth_a_text_line(route: str, status: int) -> bool:
    """Not the probes, nor a live-update poll that found nothing new (an open board asks every few
    seconds): what is left in a terminal is what someone did."""
    return route not in ("/healthz", "/readyz") and not (status == 204 and route.endswith("/changes"))


def _shown_path(route: str) -> str:
    """The path asked for; the route rule instead when the path holds a token (/report/<token>)."""
    if any("token" in name or "secret" in name for name in (request.view_args or {})):
        return route
    # A path may carry a newline (%0A): escaped, so nobody can forge a line of their own.
    return CONTROL_CHARACTERS.sub(lambda found: f"\\x{ord(found.group()):02x}", request.path)


def _where(tb: Any) -> str:
    """file:line in function of the innermost frame of the project's own code (else the innermost),
    relative to the checkout: where a developer would start reading."""
    frames = traceback.extract_tb(tb)
    own = [frame for frame in frames if frame.filename.startswith(_CHECKOUT) and "site-packages" not in frame.filename]
    if not (own or frames):
        return ""
    frame = (own or frames)[-1]
    return f"{frame.filename.removeprefix(_CHECKOUT)}:{frame.lineno} in {frame.name}"


def _job_call(job: Any) -> str:
    """run_periodic('low-stock'): the function's own name and its (short) arguments, for a terminal."""
    try:
        args = ", ".join(repr(arg) for arg in job.args)
        name = job.func_name.rsplit(".", 1)[-1]
    except Exception:  # a job RQ cannot unpickle: its id says enough
        return job.id
    return f"{name}({args[:80]})"


class JobLogMixin:
    """For RQ workers: one line per job when it ends: in JSON, every job (id, function, queue, status,
    duration, the periodic job's name, and the error when it failed); in text, failed jobs only.
    perform_job runs in the work horse, so forking workers log it too. The arguments after the queue
    (RQ 3: the execution) are handed on as they come."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.job_error: tuple | None = None
        # RQ's public hook for a job's exception: remembered for the job line.
        self.push_exc_handler(self._remember_error)  # type: ignore[attr-defined]

    def _remember_error(self, job, exc_type, exc_value, tb) -> bool:  # type: ignore[no-untyped-def]
        self.job_error = (exc_type, exc_value, tb)
        return True  # the next handlers still run

    def perform_job(self, job, queue, *args, **kwargs) -> bool:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        self.job_error = None
        ok = False
        try:
            ok = super().perform_job(job, queue, *args, **kwargs)  # type: ignore[misc]
            return ok
        finally:
            status = job.get_status(refresh=False)
            status = str(getattr(status, "value", status)) if status else ("finished" if ok else "failed")
            _log_job_end(job, queue.name, ok, status, (time.perf_counter() - started) * 1000, self.job_error)


def _log_job_end(job: Any, queue: str, ok: bool, status: str, duration_ms: float, error: tuple | None) -> None:
    summary = where = ""
    if error is not None:
        exc_type, exc_value, tb = error
        summary = "".join(traceback.format_exception_only(exc_type, exc_value)).strip().splitlines()[-1][:500]
        where = _where(tb)
    if _format_now() == "text":
        if not ok:
            retry = ", retried later" if status in ("scheduled", "queued") else ""
            _log_text(job_log, f"job failed: {_job_call(job)} {summary or status}"
                               f"{f' at {where}' if where else ''} (job {job.id[:8]}{retry})", logging.WARNING)
        return
    fields: dict[str, Any] = {"type": "job", "jobId": job.id, "function": job.func_name, "queue": queue,
                              "status": status, "durationMs": round(duration_ms, 2)}
    if job.meta.get("periodic"):  # set by the cron scheduler (portal/jobs/scheduler.py)
        fields["periodic"] = job.meta["periodic"]
    if error is not None:
        fields.update(error=summary, where=where, traceback="".join(traceback.format_exception(*error)))
    log_json(job_log, **fields)
