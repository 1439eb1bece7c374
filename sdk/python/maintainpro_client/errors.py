from __future__ import annotations

from typing import Any


class MaintainProError(Exception):
    """Any non-2xx answer, in the contract's error format {message, errors: [{field, message}]}.

    ``rate_limit`` (the X-RateLimit-* headers as ints) is set when the server sent them.
    ``retry_after`` (seconds) is read from Retry-After on a 429 Too Many Requests or a 503 only, so
    a client that sleeps on it never waits on a refusal that waiting cannot cure (a 403, a 404).
    A request that got no answer at all is a MaintainProNetworkError (status 0).
    """

    def __init__(self, status: int, message: str, errors: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None, body: Any = None) -> None:
        details = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in errors or [] if isinstance(e, dict))
        super().__init__(f"{status}: {message}" + (f" ({details})" if details else ""))
        self.status = status
        self.message = message
        self.errors = errors or []
        self.headers = dict(headers or {})
        self.body = body
        self.retry_after: int | None = _int(self.headers.get("Retry-After")) if status in (429, 503) else None
        self.rate_limit: dict[str, int | None] = {
            "limit": _int(self.headers.get("X-RateLimit-Limit")),
            "remaining": _int(self.headers.get("X-RateLimit-Remaining")),
            "reset": _int(self.headers.get("X-RateLimit-Reset")),
        }


class MaintainProNetworkError(MaintainProError):
    """No answer: the connection failed or broke (status 0). The library's own exception is
    ``__cause__``. A write may or may not have happened: the client's retries send the same
    Idempotency-Key, so sending it again (with that key) is safe."""

    def __init__(self, message: str) -> None:
        super().__init__(0, message)


class MaintainProTimeout(MaintainProNetworkError):
    """No answer within the client's ``timeout`` (connect or read)."""


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
