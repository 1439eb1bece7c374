"""What the per-request operations cost: metrics recording and rate-limit checks.

    .venv/bin/python bench/observability.py            # embedded Redis, scratch SQLite
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/observability.py

Prints the mean in-process time of GET /healthz (not recorded, not limited: the baseline),
GET /api/auth/me with a token, with rate limiting off and on, and of
one metrics.record_request() call (one Lua call sent to Redis, its reply never waited for).
"""
from __future__ import annotations

import argparse

import common

from portal import create_app
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.platform.telemetry import metrics
from portal.services.identity import auth as auth_service


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per figure")
    args = parser.parse_args()
    common.scratch_instance()
    common.quiet_request_log()
    figures = {}
    for enabled in (False, True):
        app = create_app(common.app_config(RATELIMIT_ENABLED=enabled, RATELIMIT_API="1000000/hour"))
        with app.app_context():
            if not enabled:
                common.fresh_schema()
                user = auth_service.create_user("bench@x.example.com", "bench-password", "admin", "Bench")
                token = common.bearer_token(user.id)
            get_redis().flushdb()  # the scratch instance's own Redis, or the database REDIS_URL names
            client = app.test_client()
            headers = {"Authorization": f"Bearer {token}"}
            if not enabled:
                figures["GET /healthz (baseline)"] = common.mean_ms(lambda client=client: client.get("/healthz"), args.calls)
                figures["metrics.record_request()"] = common.mean_ms(
                    lambda app=app: metrics.record_request(app, "/api/x", "GET", 200, 1.0), args.calls)
            figures[f"GET /api/auth/me, limits {'on' if enabled else 'off'}"] = common.mean_ms(
                lambda client=client, headers=headers: client.get("/api/auth/me", headers=headers), args.calls)
            db.session.remove()
    for name, value in figures.items():
        print(f"{name:40s} {value:8.3f} ms")


if __name__ == "__main__":
    main()
