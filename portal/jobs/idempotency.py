"""The purge of kept Idempotency-Key answers (portal/platform/http/idempotency.py)."""
from __future__ import annotations

from datetime import datetime

from portal.jobs.registry import periodic
from portal.platform.http import idempotency


@periodic("idempotency-purge", interval=3600,
          description="Remove Idempotency-Key answers kept longer than IDEMPOTENCY_KEEP_DAYS")
def idempotency_purge(now: datetime | None = None) -> dict:
    return {"purged": idempotency.purge(now)}
