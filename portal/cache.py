"""Hit/miss counters of cached lookups, shared by every process through Redis.

The performance summary's cacheHitRate is computed from these counters. A cache (KPI results,
part and equipment lookups) calls record_lookup(hit) on every read it could have served from
Redis; until a lookup does, the rate is 0. Counters sit in per-minute buckets like the request
figures (portal/metrics.py) and expire after the summary window.
"""
from __future__ import annotations

import logging
import time

from flask import Flask, current_app

from .extensions import get_redis

log = logging.getLogger(__name__)
PREFIX = "mp:cache"


def record_lookup(hit: bool, app: Flask | None = None) -> None:
    """Count one cacheable lookup; never fails the caller (Redis down: the count is lost)."""
    app = app or current_app._get_current_object()
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
    app = app or current_app._get_current_object()
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
