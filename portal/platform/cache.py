"""Hit/miss counters of cached lookups, shared by every process through Redis.

The performance summary's cacheHitRate is computed from these counters. Every read through
cached() (KPI results, part and equipment lookups, work order lists) counts as a hit or a miss in
the same Lua call that looks it up; record_lookup(hit) counts one for any other cache. Until a
lookup does, the rate is 0. Counters sit in per-minute buckets like the request figures
(portal/platform/telemetry/metrics.py) and expire after the summary window.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import orjson
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, ColumnClause

from portal.platform.redis import get_redis

log = logging.getLogger(__name__)
PREFIX = "mp:cache"


def record_lookup(hit: bool, app: Flask | None = None) -> None:
    """Count one cacheable lookup; never fails the caller (Redis down: the count is lost)."""
    app = app or current_app
    minute = int(time.time() // 60)
    key = f"{PREFIX}:{minute}"
    try:
        pipe = get_redis(app).pipeline(transaction=False)
        pipe.hincrby(key, "hits" if hit else "misses", 1)
        pipe.expire(key, (int(app.config.get("PERF_WINDOW_MINUTES", 60)) + 2) * 60)
        pipe.execute()
    except Exception as exc:
        log.debug("cache counters not recorded: %s", exc)


def hit_rate(app: Flask | None = None, now: float | None = None) -> tuple[float, int]:
    """(hit rate in %, number of lookups) over the summary window; (0, 0) with no lookups."""
    app = app or current_app
    minute = int((now or time.time()) // 60)
    window = int(app.config.get("PERF_WINDOW_MINUTES", 60))
    pipe = get_redis(app).pipeline(transaction=False)
    for m in range(minute - window + 1, minute + 1):
        pipe.hmget(f"{PREFIX}:{m}", "hits", "misses")
    hits = misses = 0
    for h, m in pipe.execute():
        hits += int(h or 0)
        misses += int(m or 0)
    total = hits + misses
    return (round(100.0 * hits / total, 2) if total else 0.0), total


# --- The cache itself ----------------------------------------------------------------------------
# What is read far more often than written (KPI and compliance results, one part, one piece of
# equipment, a filtered page of work orders) is kept in Redis as its serialised answer, under a key
# holding its warehouse's generation. Every committed write of a row these answers read bumps that
# generation (below, from the app session's events, so no write path can forget it), and the
# next read misses and recomputes: a cached figure is never older than the last committed write. A
# bulk UPDATE whose warehouse cannot be read from its WHERE clause bumps the global generation,
# part of every key.

GEN_PREFIX = f"{PREFIX}:gen"
ALL = "*"  # the global generation's name
# Tables whose rows feed a cached answer; a write to any other table leaves the cache alone.
TRACKED_TABLES = frozenset({
    "work_orders", "downtime_periods", "pm_templates", "parts", "part_consumptions", "stock_movements",
    "equipment", "labor_entries",
})
# One round trip: both generations, the entry stored under them, and the lookup counted as a hit
# or a miss in this minute's bucket (what record_lookup() does, without a second round trip).
# KEYS: the warehouse's generation, the global one, the minute's counters; ARGV: the entry's key
# without its generations, the counters' time to live.
_LOOKUP = """
local gw = redis.call('GET', KEYS[1]) or '0'
local ga = redis.call('GET', KEYS[2]) or '0'
local entry = redis.call('GET', ARGV[1] .. ':' .. gw .. ':' .. ga .. ':')
redis.call('HINCRBY', KEYS[3], entry and 'hits' or 'misses', 1)
redis.call('EXPIRE', KEYS[3], ARGV[2])
return {gw, ga, entry}
"""


# Entries are written and read by orjson (a kept page of 50 work orders: 0.09 ms to read instead
# of 0.19 with the json module). What json.dumps would refuse (datetimes, dataclasses) is refused
# too, so only plain JSON values are kept and a hit answers exactly what a miss does.
_ENTRY_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _lookup(app: Flask, keys: list[str], args: list[Any]) -> Any:
    """_LOOKUP by its SHA (redis-py loads it again if the server lost it)."""
    script = app.extensions.get("maintainpro_cache_lookup")
    if script is None:
        script = app.extensions["maintainpro_cache_lookup"] = get_redis(app).register_script(_LOOKUP)
    return script(keys, args)


# Bumps a write could not send (Redis down): sent before this process's next cache use.
_unsent: set[str] = set()
_unsent_lock = threading.Lock()


def _send_bumps(app: Flask, warehouses: set[str]) -> None:
    with _unsent_lock:
        warehouses = warehouses | _unsent
        _unsent.clear()
    if not warehouses:
        return
    try:
        pipe = get_redis(app).pipeline(transaction=False)
        for wid in sorted(warehouses):
            pipe.incr(f"{GEN_PREFIX}:{wid}")
        pipe.execute()
    except Exception as exc:
        with _unsent_lock:
            _unsent.update(warehouses)
        log.warning("cache: generation bump not sent (%s); retried on the next cache use", exc)


def invalidate(warehouse_id: str | None, app: Flask | None = None) -> None:
    """Make every cached answer of one warehouse (None: of all warehouses) stale now."""
    _send_bumps(app or current_app, {warehouse_id or ALL})


def cached(kind: str, warehouse_id: str, params: tuple, compute: Callable[[], Any], *,
           app: Flask | None = None) -> Any:
    """The JSON-serialisable answer `compute()` gives, from Redis when this warehouse's data has not
    changed since it was stored. Counts one lookup for cacheHitRate. Redis down: computes, no error."""
    app = app or current_app
    if not app.config.get("CACHE_ENABLED", True):
        return compute()
    ttl = int(app.config.get("CACHE_TTL_SECONDS", 300))
    base = f"{PREFIX}:v:{warehouse_id}:{kind}:" + json.dumps(params, separators=(",", ":"), default=str)
    if _unsent:
        _send_bumps(app, set())
        if _unsent:  # a bump is still owed: a stored entry may be stale, so do not trust any
            return compute()
    try:
        redis = get_redis(app)
        counters = f"{PREFIX}:{int(time.time() // 60)}"  # counted in the lookup (record_lookup)
        gw, ga, raw = _lookup(app, [f"{GEN_PREFIX}:{warehouse_id}", f"{GEN_PREFIX}:{ALL}", counters],
                              [base, (int(app.config.get("PERF_WINDOW_MINUTES", 60)) + 2) * 60])
    except Exception as exc:
        log.debug("cache unavailable, computing: %s", exc)
        return compute()
    gw, ga = gw.decode(), ga.decode()
    if raw is not None:
        return orjson.loads(raw)
    value = compute()
    try:
        # Stored under the generations read *before* computing: a write committed meanwhile has
        # bumped them, so this entry is never read again.
        redis.set(f"{base}:{gw}:{ga}:", orjson.dumps(value, option=_ENTRY_OPTIONS), ex=ttl)
    except Exception as exc:
        log.debug("cache entry not stored: %s", exc)
    return value


def warehouse_in(whereclause: Any) -> str | None:
    """The warehouse a bulk statement is limited to (`warehouse_id = :value` in its WHERE), if any."""
    if whereclause is None:
        return None
    for node in visitors.iterate(whereclause):
        if isinstance(node, BinaryExpression) and isinstance(node.left, ColumnClause) \
                and node.left.name == "warehouse_id" and isinstance(node.right, BindParameter) \
                and node.operator.__name__ == "eq" and isinstance(node.right.effective_value, str):
            return node.right.effective_value
    return None


def _touched(session: Session) -> set[str]:
    return session.info.setdefault("cache_warehouses", set())


# The four session listeners below are attached to the app's session (db.session) by
# portal/wiring.py, never to SQLAlchemy's Session class.

def collect_flushed(session: Session, _context: Any, _instances: Any) -> None:
    """before_flush: note the warehouses of tracked rows about to be written."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in TRACKED_TABLES:  # a row without its own warehouse column: every warehouse
            _touched(session).add(getattr(obj, "warehouse_id", None) or ALL)


def collect_bulk(state: Any) -> None:
    """do_orm_execute: note the warehouse of a bulk UPDATE or DELETE of a tracked table."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table in TRACKED_TABLES:
        _touched(state.session).add(warehouse_in(state.statement.whereclause) or ALL)


def bump_committed(session: Session) -> None:
    """after_commit: bump the generations of the warehouses the transaction wrote."""
    if session.in_nested_transaction():
        # A savepoint was released (a CSV import writes each row in one): the outer transaction
        # has not committed yet, and a bump now would let a reader cache what it still sees.
        return
    warehouses = session.info.pop("cache_warehouses", None)
    if not warehouses:
        return
    if not has_app_context():  # no app (a bare script): nothing was cached through it either
        return
    _send_bumps(current_app, set(warehouses))


def forget_rolled_back(session: Session) -> None:
    """after_rollback: what was rolled back changed nothing."""
    # Only a whole rollback forgets: a savepoint's rollback does not fire this event.
    session.info.pop("cache_warehouses", None)
