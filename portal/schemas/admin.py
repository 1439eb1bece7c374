"""GET /api/admin/performance/summary (contract: "Performance Monitoring API")."""
from __future__ import annotations

from pydantic import Field

from portal.schemas.common import Out


class SystemMetricsOut(Out):
    cpu_usage: float = Field(description="CPU use of this host, % (psutil, since the previous reading).", ge=0, le=100)
    memory_usage: float = Field(description="Memory in use on this host, %.", ge=0, le=100)
    disk_usage: float = Field(description="Disk in use on the volume of the instance folder, %.", ge=0, le=100)


class EndpointFigureOut(Out):
    endpoint: str = Field(description="Method and URL rule, e.g. `GET /api/work-orders/<id>`.")
    request_count: int = Field(ge=0)
    average_response_time: float = Field(ge=0, description="Milliseconds.")


class PerformanceSummaryOut(Out):
    timestamp: str = Field(description="When the summary was made (ISO-8601 UTC).")
    uptime: int = Field(ge=0, description="Seconds since the oldest web process still serving (one that answered a "
                                          "request in the last 10 minutes) started.")
    request_count: int = Field(ge=0, description="Requests over the window, all web processes together "
                                                 "(/healthz and /readyz not counted).")
    average_response_time: float = Field(ge=0, description="Mean response time over the window, milliseconds.")
    error_rate: float = Field(ge=0, le=1, description="Share of responses with a 5xx status over the window, 0..1.")
    cache_hit_rate: float = Field(ge=0, le=100, description="Hits among cacheable lookups over the window, %; 0 when "
                                                            "there were none (no lookup is cached yet).")
    system_metrics: SystemMetricsOut
    window_minutes: int = Field(ge=1, description="Minutes the request figures cover (PERF_WINDOW_MINUTES).")
    p50: float | None = Field(description="Median response time, ms (upper bound of its histogram bucket); null "
                                          "without requests.")
    p95: float | None = Field(description="95th percentile response time, ms (bucket upper bound).")
    p99: float | None = Field(description="99th percentile response time, ms (bucket upper bound).")
    busiest_endpoints: list[EndpointFigureOut] = Field(description="Top 5 routes by requests over the window.")
    slowest_endpoints: list[EndpointFigureOut] = Field(description="Top 5 routes by mean response time.")
    cache_lookups: int = Field(ge=0, description="Cacheable lookups counted for cacheHitRate.")
    queue_depths: dict[str, int] = Field(description="Jobs waiting per RQ queue.")
    failed_jobs: dict[str, int] = Field(description="Jobs in each RQ queue's failed registry.")
    oldest_pending_delivery_age: float | None = Field(
        description="Seconds since the oldest webhook delivery of your warehouse still pending was created; null if none.")
    rate_limiting: str = Field(description="ok, degraded (Redis unreachable: limits counted per process) or disabled.")
    metrics_store: str = Field(description="ok, or unavailable when Redis could not be read (figures then 0).")
