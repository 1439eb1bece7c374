"""Operators' API: the performance summary."""
from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented
from portal.schemas.admin import PerformanceSummaryOut
from portal.services.reporting import performance as service


@api.get("/admin/performance/summary")
@documented(summary="Request figures of all web processes, host load, queues", response=PerformanceSummaryOut,
            permission="performance.read",
            description="Request figures cover the last PERF_WINDOW_MINUTES minutes (60 by default) of every web "
                        "process, kept in Redis. cacheHitRate counts the lookups recorded by portal/platform/cache.py; it is 0 "
                        "while no lookup is cached. systemMetrics are those of the host that answers.")
def performance_summary():
    return jsonify(PerformanceSummaryOut.model_validate(service.summary(actor())).model_dump(mode="json", by_alias=True))
