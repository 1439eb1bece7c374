"""The performance summary: request figures from every process (Redis), host load, queues."""
from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import psutil
from flask import current_app
from sqlalchemy import func, select

from portal.models.types import utcnow
from portal.models.webhooks import WebhookDelivery
from portal.platform import cache, queue
from portal.platform.extensions import db
from portal.platform.telemetry import metrics
from portal.schemas.common import iso
from portal.services.common.actor import Actor
from portal.services.identity.permissions import require

log = logging.getLogger(__name__)
psutil.cpu_percent(interval=None)  # prime: the next reading covers the time since import


def summary(actor: Actor) -> dict[str, Any]:
    require(actor, "performance.read")
    from portal.platform.ratelimits import rate_limiting_state

    app = current_app
    figures: dict[str, Any] = {"requestCount": 0, "averageResponseTime": 0.0, "errorRate": 0.0, "p50": None,
                               "p95": None, "p99": None, "busiestEndpoints": [], "slowestEndpoints": [],
                               "oldestProcessStartedAt": None}
    hit_rate, lookups = 0.0, 0
    depths: dict[str, int] = {}
    failed: dict[str, int] = {}
    store = "ok"
    try:
        figures = metrics.request_figures(app)
        hit_rate, lookups = cache.hit_rate(app)
        depths, failed = queue.depths()
    except Exception as exc:  # Redis down: say so rather than fail the page operators look at
        log.warning("performance summary without Redis figures: %s", exc)
        store = "unavailable"
    oldest = db.session.scalar(select(func.min(WebhookDelivery.created_at)).where(
        WebhookDelivery.state == "pending", WebhookDelivery.warehouse_id == actor.warehouse_id))
    started = figures.pop("oldestProcessStartedAt") or metrics.STARTED_AT
    return {
        "timestamp": iso(datetime.now(UTC)),
        "uptime": max(0, int(time.time() - started)),
        "requestCount": figures["requestCount"],
        "averageResponseTime": figures["averageResponseTime"],
        "errorRate": figures["errorRate"],
        "cacheHitRate": hit_rate,
        "systemMetrics": {
            "cpuUsage": psutil.cpu_percent(interval=None),
            "memoryUsage": psutil.virtual_memory().percent,
            "diskUsage": psutil.disk_usage(app.config["INSTANCE_DIR"]).percent,
        },
        "windowMinutes": int(app.config.get("PERF_WINDOW_MINUTES", 60)),
        "p50": figures["p50"], "p95": figures["p95"], "p99": figures["p99"],
        "busiestEndpoints": figures["busiestEndpoints"],
        "slowestEndpoints": figures["slowestEndpoints"],
        "cacheLookups": lookups,
        "queueDepths": depths,
        "failedJobs": failed,
        "oldestPendingDeliveryAge": round((utcnow() - oldest).total_seconds(), 1) if oldest else None,
        "rateLimiting": rate_limiting_state(),
        "metricsStore": store,
    }
