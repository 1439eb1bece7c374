"""Rate limits (contract: "Rate Limiting"), counted in Redis so every process shares them.

- authentication (POST /api/auth/login, /api/auth/refresh, the portal's login form through
  `extensions.auth_limit`): RATELIMIT_AUTH per client IP, one budget shared by those routes;
- every other /api request, whatever its route and method (404 and 405 included): one budget of
  RATELIMIT_API per user (the token's subject) or API key, per IP without a valid token or key
  (Flask-Limiter's application limit, extensions.py);
- `/api/webhooks*` besides: RATELIMIT_WEBHOOKS per route and user, as the contract's "Webhook
  endpoints" limit.

The X-RateLimit-Limit/Remaining/Reset headers (written here, not by Flask-Limiter) describe that
one budget on every API answer; the auth budget on login and refresh; the limit that refused on a
429, which alone carries Retry-After (a 503 keeps the Retry-After of its own handler).

Redis down: the storage (OneTripRedisStorage) counts in the process's memory instead (the same
limits, per process), logs "falling back to in-memory storage" and tries Redis again every
FALLBACK_RETRY_SECONDS; the state is shown as rateLimiting "degraded" in /readyz and the
performance summary.
"""
from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context
from flask_limiter import RateLimitExceeded, RequestLimit
from limits import RateLimitItem
from limits.storage import MemoryStorage, RedisStorage
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.platform.extensions import AUTH_ENDPOINTS, auth_limit, limiter
from portal.platform.redis import redis_url_for

log = logging.getLogger(__name__)
FALLBACK_RETRY_SECONDS = 5.0  # Redis down: how long the memory counts before Redis is tried again
ONE_TRIP = "mp+"  # storage scheme prefix of OneTripRedisStorage


class OneTripRedisStorage(RedisStorage):
    """The limits library's Redis storage, answering a request's limit in one round trip.

    Flask-Limiter counts a hit (a Lua INCRBY + EXPIRE) and then, for the X-RateLimit-* headers,
    reads the counter's TTL and value again: three round trips per API request (bench/README.md).
    Here the Lua script returns the count and the TTL together, and the two reads that follow in
    the same request are answered from them (kept on flask.g, so never across requests; outside
    a request, or for a key not counted in this request, Redis is asked as before).

    Redis unreachable: the counts go to a memory storage of this process (limits' MemoryStorage),
    and Redis is tried again after FALLBACK_RETRY_SECONDS. The state belongs to the storage, which
    Flask-Limiter makes anew for every app it is bound to: a new app starts on Redis."""

    STORAGE_SCHEME = [ONE_TRIP + "redis", ONE_TRIP + "rediss", ONE_TRIP + "redis+unix"]
    SCRIPT_INCR_EXPIRE_TTL = """
local amount = tonumber(ARGV[2])
local current = redis.call("incrby", KEYS[1], amount)
if tonumber(current) == amount then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""

    def __init__(self, uri: str, **options) -> None:  # type: ignore[no-untyped-def]
        super().__init__(uri.removeprefix(ONE_TRIP), **options)
        self.memory: MemoryStorage | None = None
        self.down_since: float | None = None  # when Redis stopped answering; None while it answers

    @property
    def degraded(self) -> bool:
        return self.down_since is not None

    def _redis_else_memory(self, on_redis: Callable[[], Any], on_memory: Callable[[MemoryStorage], Any]) -> Any:
        down_since = self.down_since
        if down_since is None or time.monotonic() - down_since >= FALLBACK_RETRY_SECONDS:
            try:
                result = on_redis()
            except self.base_exceptions as exc:
                if self.down_since is None:
                    log.warning("Rate limit storage unreachable (%s): falling back to in-memory storage", exc)
                self.down_since = time.monotonic()
            else:
                if self.down_since is not None:
                    log.warning("Rate limit storage reachable again: counting in Redis")
                    self.down_since = None
                return result
        if self.memory is None:
            self.memory = MemoryStorage()
        return on_memory(self.memory)

    def initialize_storage(self, uri: str) -> None:
        super().initialize_storage(uri)
        self.lua_incr_expire_ttl = self.get_connection().register_script(self.SCRIPT_INCR_EXPIRE_TTL)

    @staticmethod
    def _seen() -> dict | None:
        if not has_request_context():
            return None
        seen = g.get("maintainpro_rate_limit_counts")
        if seen is None:
            seen = g.maintainpro_rate_limit_counts = {}
        return seen

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        def on_redis() -> int:
            full_key = self.prefixed_key(key)
            current, ttl = self.lua_incr_expire_ttl([full_key], [expiry, amount])
            seen = self._seen()
            if seen is not None:
                seen[full_key] = (int(current), max(int(ttl), 0) + time.time())
            return int(current)

        return self._redis_else_memory(on_redis, lambda memory: memory.incr(key, expiry, amount))

    def get(self, key: str) -> int:
        seen = self._seen()
        hit = seen.get(self.prefixed_key(key)) if seen is not None else None
        if hit is not None:
            return hit[0]
        return self._redis_else_memory(lambda: super(OneTripRedisStorage, self).get(key),
                                       lambda memory: memory.get(key))

    def get_expiry(self, key: str) -> float:
        seen = self._seen()
        hit = seen.get(self.prefixed_key(key)) if seen is not None else None
        if hit is not None:
            return hit[1]
        return self._redis_else_memory(lambda: super(OneTripRedisStorage, self).get_expiry(key),
                                       lambda memory: memory.get_expiry(key))

    def clear(self, key: str) -> None:
        self._redis_else_memory(lambda: super(OneTripRedisStorage, self).clear(key), lambda memory: memory.clear(key))


def limits_storage_uri(app: Flask) -> str:
    url = redis_url_for(app)
    # The limits library names unix sockets redis+unix://; "mp+" selects OneTripRedisStorage.
    return ONE_TRIP + ("redis+unix://" + url[len("unix://"):] if url.startswith("unix://") else url)


def webhooks_limit() -> str:
    return current_app.config["RATELIMIT_WEBHOOKS"]


_webhooks_limit = limiter.limit(webhooks_limit)


def init_rate_limits(app: Flask) -> None:
    """Storage, proxy handling and the per-route limits; call after the blueprints are registered."""
    trusted = int(app.config.get("TRUSTED_PROXIES", 0) or 0)
    if trusted > 0:
        # Only then is X-Forwarded-For believed: request.remote_addr becomes the client's address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted)  # type: ignore[method-assign]
    if app.config.get("RATELIMIT_ENABLED") and not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = limits_storage_uri(app)
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    # After the limiter's own before_request (the API budget, counted there): kept before a route's
    # own limit (webhooks) is counted, which replaces the limiter's list of this request's limits.
    app.before_request(_keep_api_budget)
    app.after_request(_rate_limit_headers)

    # Flask-Limiter checks a route's own limit in the wrapper its decorator returns, so this
    # app's view functions are replaced by the wrapped ones (the limits are declared once: the
    # decorators are module-level objects, keyed by the view's qualified name).
    for rule in app.url_map.iter_rules():
        if rule.endpoint in AUTH_ENDPOINTS:
            decorate = auth_limit
        elif rule.rule.startswith("/api/webhooks"):
            decorate = _webhooks_limit
        else:
            continue
        app.view_functions[rule.endpoint] = decorate(app.view_functions[rule.endpoint])


_BUDGET = "maintainpro_api_budget"


def _keep_api_budget() -> None:
    # Only the application limit (the API budget) is counted before the view runs.
    setattr(g, _BUDGET, list(limiter.current_limits))


def _described_limit(response: Response) -> RequestLimit | None:
    current = limiter.current_limit
    if response.status_code == 429 and current is not None and current.breached:
        return current  # the limit that refused
    budget = g.get(_BUDGET)
    if budget:
        return budget[0]
    return current  # login and refresh (the auth budget), the portal's limited forms


def _rate_limit_headers(response: Response) -> Response:
    if not limiter.enabled:
        return response
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)  # only a refusal says when to come back
    try:
        described = _described_limit(response)
        if described is None:
            return response
        reset_at = described.reset_at
        response.headers["X-RateLimit-Limit"] = str(described.limit.amount)
        response.headers["X-RateLimit-Remaining"] = str(max(described.remaining, 0))
        response.headers["X-RateLimit-Reset"] = str(reset_at)
        if response.status_code == 429:
            response.headers["Retry-After"] = str(max(int(reset_at - time.time()), 1))
    except Exception:  # a storage other than ours (RATELIMIT_STORAGE_URI) that cannot answer: no headers
        log.warning("Rate limit headers left out: the limit storage did not answer", exc_info=True)
    return response


# --- the refusal in words -------------------------------------------------------------------------

def limit_in_words(item: RateLimitItem, noun: str = "request") -> str:
    """ "1000 requests per hour", "1 request per minute", "10 requests per 5 minutes"."""
    unit = item.GRANULARITY.name
    per = unit if item.multiples == 1 else f"{item.multiples} {unit}s"
    return f"{item.amount} {noun}{'' if item.amount == 1 else 's'} per {per}"


def wait_in_words(seconds: float) -> str:
    """ "in a few seconds", "in 1 minute", "in 12 minutes", "in 2 hours", "in 3 days"."""
    if seconds < 50:
        return "in a few seconds"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"in {minutes} minute{'' if minutes == 1 else 's'}"
    hours = round(seconds / 3600)
    if hours < 48:
        return f"in {hours} hours"
    return f"in {round(seconds / 86400)} days"


def _refusal(exc: RateLimitExceeded) -> tuple[RateLimitItem, float]:
    """The limit that refused and the seconds until its window resets."""
    current = limiter.current_limit
    if current is not None and current.breached:
        return current.limit, current.window[0] - time.time()  # reset_at adds a second for the header
    return exc.limit.limit, float(exc.limit.limit.get_expiry())


def rate_limit_message(exc: RateLimitExceeded) -> str:
    """The API's 429 message: "Rate limit exceeded: 1000 requests per hour; try again in 12 minutes"."""
    item, seconds = _refusal(exc)
    return f"Rate limit exceeded: {limit_in_words(item)}; try again {wait_in_words(seconds)}"


def rate_limit_page_message(exc: RateLimitExceeded) -> str:
    """The portal's "Too many attempts" page: "You can try 5 times per minute. Try again in 1 minute." """
    item, seconds = _refusal(exc)
    unit = item.GRANULARITY.name
    per = unit if item.multiples == 1 else f"{item.multiples} {unit}s"
    times = "once" if item.amount == 1 else "twice" if item.amount == 2 else f"{item.amount} times"
    wait = wait_in_words(seconds)
    return f"You can try {times} per {per}. Try again {wait}."


RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": {"schema": {"type": "integer"}, "description": "Requests allowed in the current window."},
    "X-RateLimit-Remaining": {"schema": {"type": "integer"}, "description": "Requests left in the current window."},
    "X-RateLimit-Reset": {"schema": {"type": "integer"}, "description": "When the window resets (epoch seconds)."},
}


def rate_limited_response(error_ref: dict, endpoint: str, path: str) -> dict:
    """The OpenAPI 429 of a route, naming the limit that applies to it."""
    if endpoint in AUTH_ENDPOINTS:
        which = "RATELIMIT_AUTH (default 5/minute) per client IP, shared by login and token refresh"
    elif path.startswith("/api/webhooks"):
        which = ("RATELIMIT_WEBHOOKS (default 100/minute) per webhooks route and user, besides the API budget: "
                 "RATELIMIT_API (default 1000/hour) per user or API key, shared by every /api route and method")
    else:
        which = ("RATELIMIT_API (default 1000/hour) per user or API key (per client IP without a valid token), "
                 "one budget shared by every /api route and method")
    return {
        "description": f"Too many requests: {which}. While Redis is unreachable limits are counted per process.",
        "headers": {**RATE_LIMIT_HEADERS, "Retry-After": {
            "schema": {"type": "integer"}, "description": "Seconds until a request may succeed again (sent on 429 and 503 only)."}},
        "content": {"application/json": {"schema": error_ref}},
    }


def rate_limiting_state() -> str:
    """"ok", "degraded" (Redis unreachable: per-process memory counting) or "disabled"."""
    if not limiter.enabled:
        return "disabled"
    storage = limiter.storage
    # Our storage's own fallback; for another storage (RATELIMIT_STORAGE_URI), Flask-Limiter's: its
    # current strategy then counts on its in-memory storage instead of the configured one.
    degraded = storage.degraded if isinstance(storage, OneTripRedisStorage) else limiter.limiter.storage is not storage
    return "degraded" if degraded else "ok"
