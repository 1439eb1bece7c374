"""The POST of one webhook delivery: SSRF guard, kept-alive HTTP sessions, no redirects followed."""
from __future__ import annotations

import os
import threading
import time

import requests
from flask import current_app

from portal.platform.net_guard import BlockedTarget, check_url, http_session
from portal.services.integrations.claims import Claimed
from portal.services.integrations.signing import headers_for

_local = threading.local()


def allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE_TARGETS"))


def timeout() -> float:
    return float(current_app.config.get("WEBHOOK_TIMEOUT", 10))


def _session() -> requests.Session:
    """One HTTP session per thread and process, so a worker keeps connections to receivers
    alive between deliveries; a forked child never reuses its parent's sockets."""
    key = (os.getpid(), allow_private())
    sessions = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = {}
    session = sessions.get(key)
    if session is None:
        session = sessions[key] = http_session(allow_private=key[1])
    return session


def post(claimed: Claimed) -> tuple[requests.Response | None, str | None, int]:
    """Send the claimed delivery: (the answer or None, the error or None, milliseconds taken).
    Any answer but 2xx is an error; the target is checked against private addresses first."""
    started = time.perf_counter()
    response, error = None, None
    try:
        check_url(claimed.url, allow_private=allow_private(),
                  cache_seconds=float(current_app.config.get("WEBHOOK_DNS_CACHE_SECONDS", 0)))
        response = _session().post(
            claimed.url, data=claimed.body,
            headers=headers_for(claimed.delivery_id, claimed.event, claimed.secret, claimed.body),
            timeout=timeout(), allow_redirects=False,
        )
    except BlockedTarget as exc:
        error = f"Blocked target: {exc}"
    except requests.Timeout:
        error = "Timed out"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration_ms = round((time.perf_counter() - started) * 1000)
    if response is not None and not 200 <= response.status_code < 300:
        error = f"HTTP {response.status_code}" + (" (redirects are not followed)" if response.is_redirect else "")
    return response, error, duration_ms
