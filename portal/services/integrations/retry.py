"""When a failed webhook delivery is tried again, and when an endpoint is given up on.

Retry schedule: WEBHOOK_RETRY_DELAYS seconds (default 10,60,300,1800,7200,21600), each
multiplied by a random factor in [0.8, 1.2] so a receiver coming back is not hit by every
delivery at once; Retry-After on 429/503 pushes the next attempt later (capped at one day).
After the last delay the delivery is failed. 410 Gone fails it at once and deactivates the
endpoint; WEBHOOK_DISABLE_AFTER failed deliveries in a row (default 20) deactivate it too.
A test ping is never retried.
"""
from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from flask import current_app

from portal.models import TEST_EVENT

MAX_RETRY_AFTER = 24 * 3600
GONE = 410  # the receiver asks to be forgotten: fail now, deactivate the endpoint


def retry_delays() -> list[int]:
    raw = str(current_app.config.get("WEBHOOK_RETRY_DELAYS", ""))
    return [int(part) for part in raw.split(",") if part.strip()]


def disable_after() -> int:
    """Failed deliveries in a row that deactivate an endpoint (0: never)."""
    return int(current_app.config.get("WEBHOOK_DISABLE_AFTER", 0) or 0)


def jittered(delay: int) -> int:
    return max(0, math.ceil(delay * random.uniform(0.8, 1.2)))


def retry_after(response: requests.Response | None, now: datetime) -> int | None:
    """Seconds a 429 or 503 answer asks to wait (Retry-After: seconds or an HTTP date), capped."""
    if response is None or response.status_code not in (429, 503):
        return None
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        seconds = int(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = math.ceil((when - now).total_seconds())
    return min(max(seconds, 0), MAX_RETRY_AFTER)


def next_retry(attempts: int, event: str, response: requests.Response | None, now: datetime) -> int | None:
    """Seconds until the next attempt of a delivery whose attempt number `attempts` just failed,
    or None when it is not tried again (410, a test ping, or the schedule is used up)."""
    if response is not None and response.status_code == GONE:
        return None
    delays = retry_delays()
    retries_used = attempts - 1
    if event == TEST_EVENT or retries_used >= len(delays):
        return None
    wait = jittered(delays[retries_used])
    asked = retry_after(response, now)
    return wait if asked is None else max(wait, asked)


def attempts_exhausted(attempts: int) -> bool:
    """More attempts recorded than the schedule allows (workers died on each: stop looping)."""
    return attempts > len(retry_delays())
