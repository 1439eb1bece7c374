"""Rate limits (contract: "Rate Limiting"), counted in Redis so every process shares them.

- authentication (POST /api/auth/login, /api/auth/refresh, the portal's login form through
  `extensions.auth_limit`): RATELIMIT_AUTH per client IP, one budget shared by those routes;
- `/api/webhooks*`: RATELIMIT_WEBHOOKS per route and user;
- every other /api route: RATELIMIT_API per user (the token's subject), per IP without a token.

Redis down: Flask-Limiter falls back to counting in each process's memory (the same limits, per
process), logs "falling back to in-memory storage" and retries Redis now and then; the state is
shown as rateLimiting "degraded" in /readyz and the performance summary.
"""
from __future__ import annotations

from flask import Flask, current_app
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import auth_limit, limiter, redis_url_for

AUTH_ENDPOINTS = ("api.login", "api.refresh")


def limits_storage_uri(app: Flask) -> str:
    url = redis_url_for(app)
    # The limits library names unix sockets redis+unix://.
    return "redis+unix://" + url[len("unix://"):] if url.startswith("unix://") else url


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
    # The limiter is one object for the process; a new app (tests make many) starts from a
    # healthy storage instead of inheriting an earlier app's outage.
    limiter._storage_dead = False
    limiter.init_app(app)

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
        which = "RATELIMIT_WEBHOOKS (default 100/minute) per webhooks route and user"
    else:
        which = "RATELIMIT_API (default 1000/hour) per user (per client IP without a token)"
    return {
        "description": f"Too many requests: {which}. While Redis is unreachable limits are counted per process.",
        "headers": {**RATE_LIMIT_HEADERS, "Retry-After": {
            "schema": {"type": "integer"}, "description": "Seconds until a request may succeed again."}},
        "content": {"application/json": {"schema": error_ref}},
    }


def rate_limiting_state() -> str:
    """"ok", "degraded" (Redis unreachable: per-process memory counting) or "disabled"."""
    if not limiter.enabled:
        return "disabled"
    # Flask-Limiter keeps its fallback state in this attribute; there is no public accessor.
    return "degraded" if getattr(limiter, "_storage_dead", False) else "ok"
