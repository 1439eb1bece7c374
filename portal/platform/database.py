"""The database: unit_of_work(), the one transaction every write goes through (one commit, events
included, then the `committed` signal), and fewer database round trips per request (bench/README.md, "Where the time goes").

On a busy host every round trip to PostgreSQL costs one to two milliseconds, more than the
queries themselves. Two of them per request bought nothing:

- The liveness ping on every pool checkout (pool_pre_ping): a connection used a moment ago is
  not pinged; one idle for DB_PING_IDLE_SECONDS (default 10) or more still is, so connections
  left over from before a database restart are still found dead and replaced before use
  (DB_PING_IDLE_SECONDS=0 pings on every checkout, as pool_pre_ping did).
- BEGIN and ROLLBACK around the reads of an API GET on PostgreSQL: under READ COMMITTED every
  statement takes its own snapshot with or without a transaction, so the reads of a GET whose
  JSON answer is built in the request run in autocommit mode (streamed answers keep their
  transaction: their server-side cursors need one). A write inside such a request goes through unit_of_work(), which
  ends this transaction first: its own transaction starts with the normal isolation level and
  commits or rolls back as one.
"""
from __future__ import annotations

import contextvars
import logging
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session

from portal.platform.extensions import db, sqlite_immediate
from portal.platform.signals import signals

log = logging.getLogger(__name__)

CHECKED_IN = "mp_checked_in"  # key in a pooled connection's info: when it was last returned


def ping_connection(engine: Engine, dbapi_connection: object) -> None:
    """Check a pooled connection is alive (the dialect's own ping); raises when it is not."""
    engine.dialect.do_ping(dbapi_connection)


_idle_ping_installed: weakref.WeakSet[Engine] = weakref.WeakSet()  # engines already listened to


def _install_idle_ping(engine: Engine, idle_seconds: float) -> None:
    if engine in _idle_ping_installed:
        return
    _idle_ping_installed.add(engine)

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_connection, record) -> None:
        record.info[CHECKED_IN] = time.monotonic()  # just opened: alive

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        if record is not None:
            record.info[CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        last = record.info.get(CHECKED_IN)
        if last is not None and time.monotonic() - last < idle_seconds:
            return
        try:
            ping_connection(engine, dbapi_connection)
        except Exception as exc:
            # The pool discards this connection and checks out (or opens) another.
            raise DisconnectionError(f"pooled connection is dead: {type(exc).__name__}") from exc


def init_database(app: Flask) -> None:
    """Call after db.init_app(app)."""
    idle = float(app.config.get("DB_PING_IDLE_SECONDS", 10))
    with app.app_context():
        engine = db.engine
    _install_idle_ping(engine, idle)
    if engine.dialect.name != "postgresql":
        return  # SQLite: no network round trips, and its BEGIN IMMEDIATE logic stays as it is

    def _api_reads_in_autocommit() -> None:
        if request.method not in ("GET", "HEAD") or not request.path.startswith("/api/") \
                or db.session().in_transaction():
            return
        # Only routes whose JSON answer is built inside the request: a streamed answer (CSV
        # exports, photos; documented with response_content) reads through a server-side cursor
        # while it is sent, and such a cursor needs a transaction.
        view = app.view_functions.get(request.endpoint or "")
        spec = getattr(view, "openapi", None)
        if spec is None or spec.get("response_content") is not None:
            return
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        g.reads_in_autocommit = True

    def _end_autocommit(_exc: BaseException | None) -> None:
        # Give the connection back with its normal isolation level at the end of the request (an
        # app context that outlives requests, as in tests, must not carry it to the next one).
        if g.pop("reads_in_autocommit", False):
            db.session.rollback()  # nothing to roll back in autocommit: no round trip

    # First of all before_request functions: the API key check (api_keys.py) reads too.
    app.before_request_funcs.setdefault(None, []).insert(0, _api_reads_in_autocommit)
    app.teardown_request(_end_autocommit)


def reads_from_now() -> None:
    """Let the request's next reads see every transaction committed so far: called right after
    reading a version from Redis (platform/live.py, platform/header_counts.py), before reading what
    that version stands for. A version read first and rows read after it is the rule that keeps a
    page from taking a version its rows do not show (web/work_orders.py, detail_context).

    PostgreSQL: nothing to do (READ COMMITTED takes a snapshot per statement). SQLite: a transaction
    reads from the snapshot its first statement took, here the login's read, possibly before the
    change that moved the version; rows read there are older than the version, and a page or the
    header's kept count stayed stale until the next change (seen in the browser tests under load).
    So the read transaction is ended and a new one begun on the same connection: outside a unit of
    work a request's transaction has read and never written (every write goes through
    unit_of_work), and the objects it loaded stay as they are."""
    session = db.session()
    if _depth.get() or not session.in_transaction():
        return  # a unit of work sees its own writes; nothing begun: the next statement begins afresh
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("COMMIT")
    connection.exec_driver_sql("BEGIN")


def kept_with_transaction(session: Session, key: str) -> dict | None:
    """A dict kept in `session.info[key]` for the transaction open now: empty for each new one, so
    what a transaction read once (the webhook endpoints, the people an event tells) is read again by
    the next. None outside a transaction: nothing to keep it with."""
    transaction = session.get_transaction()
    if transaction is None:
        return None
    kept = session.info.get(key)
    if kept is None or kept[0] is not transaction:
        kept = session.info[key] = (transaction, {})
    return kept[1]


_depth: contextvars.ContextVar[int] = contextvars.ContextVar("uow_depth", default=0)

committed = signals.signal("committed", doc="""\
Sent by unit_of_work() after its transaction committed: sender is the committed Session, keyword
`event_ids` the ids of the domain events it committed, in the order they were recorded. Each
receiver runs on its own: one that raises is logged and the others still run (the change is
committed; the outbox sweeper catches up whatever a receiver could not do now).""")


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Run a write as one transaction. Nested calls join the outer one.

    On SQLite the transaction starts with BEGIN IMMEDIATE, so any read in it already holds
    the write lock; an open read transaction is ended first for the same reason.
    """
    session = db.session()  # the scoped session's current Session
    depth = _depth.get()
    if depth:
        token = _depth.set(depth + 1)
        try:
            yield session
        finally:
            _depth.reset(token)
        return
    if session.in_transaction():
        session.rollback()
    token = _depth.set(1)
    imm = sqlite_immediate.set(True)
    try:
        yield session
        session.flush()
        event_ids = list(session.info.pop("pending_event_ids", []))
        session.commit()
    except BaseException:
        session.info.pop("pending_event_ids", None)
        session.rollback()
        raise
    finally:
        sqlite_immediate.reset(imm)
        _depth.reset(token)
    # Not committed.send(): a receiver that raises must not keep the others from running, nor
    # turn a committed change into an error for the caller.
    for receiver in committed.receivers_for(session):
        try:
            receiver(session, event_ids=event_ids)
        except Exception:  # the sweeper catches up whatever a receiver could not do now
            log.exception("after-commit receiver %r failed", receiver)
