"""Request figures shared by every web process, kept in Redis.

Each request adds to per-minute buckets (count, summed duration, 5xx count, a latency histogram
and per-route counters) in one pipelined round trip; the performance summary reads the buckets of
the last PERF_WINDOW_MINUTES minutes, so all gunicorn workers and hosts count together. Buckets
expire on their own. Recording never fails a request: with Redis down the figure is lost and a
warning is logged once per outage.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from flask import Flask, current_app

from .extensions import get_redis

log = logging.getLogger(__name__)
PREFIX = "mp:perf"
# Upper bounds (ms) of the latency histogram; percentiles answer with the bound of their bucket.
BUCKETS_MS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000)
OVERFLOW = "inf"
PROCESS_TTL = 600  # a process that served nothing for 10 minutes no longer counts for uptime
HOST = socket.gethostname()
STARTED_AT = time.time()
_redis_down = False


def _window(app: Flask) -> int:
    return int(app.config.get("PERF_WINDOW_MINUTES", 60))


def _bucket_of(duration_ms: float) -> str:
    for bound in BUCKETS_MS:
        if duration_ms <= bound:
            return str(bound)
    return OVERFLOW


def record_request(app: Flask, route: str, method: str, status: int, duration_ms: float) -> None:
    """Add one request to this minute's figures (one Redis round trip; errors swallowed)."""
    global _redis_down
    minute = int(time.time() // 60)
    ttl = (_window(app) + 2) * 60
    endpoint = f"{method} {route}"
    try:
        pipe = get_redis(app).pipeline(transaction=False)
        totals = f"{PREFIX}:{minute}:totals"
        pipe.hincrby(totals, "count", 1)
        pipe.hincrbyfloat(totals, "sum_ms", round(duration_ms, 3))
        if status >= 500:
            pipe.hincrby(totals, "errors", 1)
        pipe.hincrby(f"{PREFIX}:{minute}:hist", _bucket_of(duration_ms), 1)
        pipe.hincrby(f"{PREFIX}:{minute}:ep_count", endpoint, 1)
        pipe.hincrbyfloat(f"{PREFIX}:{minute}:ep_ms", endpoint, round(duration_ms, 3))
        for suffix in ("totals", "hist", "ep_count", "ep_ms"):
            pipe.expire(f"{PREFIX}:{minute}:{suffix}", ttl)
        # The start time of every live process, for uptime (the oldest one still serving).
        pipe.set(f"{PREFIX}:proc:{HOST}:{os.getpid()}", STARTED_AT, ex=PROCESS_TTL)  # pid now: gunicorn may fork after import
        pipe.execute()
        if _redis_down:
            _redis_down = False
            log.warning("request metrics: Redis reachable again, recording resumed")
    except Exception as exc:  # Redis down: the API keeps working, the figure is lost
        if not _redis_down:
            _redis_down = True
            log.warning("request metrics: Redis unreachable (%s); figures are not recorded until it returns", exc)


def _percentile(hist: dict[str, int], total: int, share: float) -> float | None:
    if total == 0:
        return None
    rank = share * total
    seen = 0
    for bound in [*map(str, BUCKETS_MS), OVERFLOW]:
        seen += hist.get(bound, 0)
        if seen >= rank:
            return float(bound) if bound != OVERFLOW else float(BUCKETS_MS[-1])
    return float(BUCKETS_MS[-1])


def request_figures(app: Flask | None = None, now: float | None = None) -> dict[str, Any]:
    """Totals, percentiles and busiest/slowest routes over the window, from every process."""
    app = app or current_app._get_current_object()
    redis = get_redis(app)
    minute = int((now or time.time()) // 60)
    minutes = range(minute - _window(app) + 1, minute + 1)
    pipe = redis.pipeline(transaction=False)
    for m in minutes:
        for suffix in ("totals", "hist", "ep_count", "ep_ms"):
            pipe.hgetall(f"{PREFIX}:{m}:{suffix}")
    replies = pipe.execute()
    count = errors = 0
    sum_ms = 0.0
    hist: dict[str, int] = {}
    ep_count: dict[str, int] = {}
    ep_ms: dict[str, float] = {}
    for i in range(0, len(replies), 4):
        totals, h, ec, em = replies[i:i + 4]
        count += int(totals.get(b"count", 0))
        errors += int(totals.get(b"errors", 0))
        sum_ms += float(totals.get(b"sum_ms", 0))
        for key, value in h.items():
            hist[key.decode()] = hist.get(key.decode(), 0) + int(value)
        for key, value in ec.items():
            ep_count[key.decode()] = ep_count.get(key.decode(), 0) + int(value)
        for key, value in em.items():
            ep_ms[key.decode()] = ep_ms.get(key.decode(), 0.0) + float(value)
    routes = [{"endpoint": name, "requestCount": n, "averageResponseTime": round(ep_ms.get(name, 0.0) / n, 2)}
              for name, n in ep_count.items() if n]
    process_keys = list(redis.scan_iter(f"{PREFIX}:proc:*", count=500))
    starts = [float(v) for v in (redis.mget(process_keys) if process_keys else []) if v]
    return {
        "requestCount": count,
        "averageResponseTime": round(sum_ms / count, 2) if count else 0.0,
        "errorRate": round(errors / count, 4) if count else 0.0,
        "p50": _percentile(hist, count, 0.50),
        "p95": _percentile(hist, count, 0.95),
        "p99": _percentile(hist, count, 0.99),
        "busiestEndpoints": sorted(routes, key=lambda r: (-r["requestCount"], r["endpoint"]))[:5],
        "slowestEndpoints": sorted(routes, key=lambda r: (-r["averageResponseTime"], r["endpoint"]))[:5],
        "oldestProcessStartedAt": min(starts) if starts else None,
    }
