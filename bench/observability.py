"""What the per-request operations cost: metrics recording and rate-limit checks.

    .venv/bin/python bench/observability.py            # embedded Redis, scratch SQLite
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/observability.py

Prints the mean in-process time of GET /healthz (not recorded, not limited: the baseline),
GET /api/auth/me with a token, with rate limiting off and on, and of
one metrics.record_request() call (one pipelined Redis round trip).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_scratch = tempfile.mkdtemp(prefix="maintainpro-bench-")
os.environ.setdefault("MAINTAINPRO_INSTANCE", _scratch)

import logging  # noqa: E402

from flask_jwt_extended import create_access_token  # noqa: E402

from portal import create_app  # noqa: E402
from portal.models import AuthSession  # noqa: E402
from portal.models.types import utcnow  # noqa: E402
from portal.platform.extensions import db  # noqa: E402
from portal.platform.redis import get_redis, stop_embedded_redis  # noqa: E402
from portal.platform.telemetry import metrics  # noqa: E402
from portal.services.identity import auth as auth_service  # noqa: E402

N = 2000


def mean_ms(fn, n: int = N) -> float:
    fn()
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) * 1000 / n


def main() -> None:
    logging.getLogger("maintainpro.access").disabled = True  # measure the work, not the terminal
    base = {"ARGON2_MEMORY_KIB": 1024, "ARGON2_TIME_COST": 1}
    if not os.environ.get("DATABASE_URL"):
        base["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{_scratch}/bench.db"
    figures = {}
    for enabled in (False, True):
        app = create_app({**base, "RATELIMIT_ENABLED": enabled, "RATELIMIT_API": "1000000/hour"})
        with app.app_context():
            if not enabled:
                db.drop_all()
                db.create_all()
                user = auth_service.create_user("bench@x.example.com", "bench-password", "admin", "Bench")
                session = AuthSession(user_id=user.id, expires_at=utcnow() + timedelta(hours=1))
                db.session.add(session)
                db.session.commit()
                token = create_access_token(identity=user.id, additional_claims={"sid": session.id})
            get_redis().flushdb()
            client = app.test_client()
            headers = {"Authorization": f"Bearer {token}"}
            if not enabled:
                figures["GET /healthz (baseline)"] = mean_ms(lambda client=client: client.get("/healthz"))
                figures["metrics.record_request()"] = mean_ms(
                    lambda app=app: metrics.record_request(app, "/api/x", "GET", 200, 1.0))
            figures[f"GET /api/auth/me, limits {'on' if enabled else 'off'}"] = mean_ms(
                lambda client=client, headers=headers: client.get("/api/auth/me", headers=headers))
            db.session.remove()
    for name, value in figures.items():
        print(f"{name:40s} {value:8.3f} ms")


if __name__ == "__main__":
    try:
        main()
    finally:
        stop_embedded_redis()
        shutil.rmtree(_scratch, ignore_errors=True)
