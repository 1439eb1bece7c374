"""Domain errors: services raise these, the API and the pages map them to responses."""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    default_message = "Request failed"

    def __init__(self, message: str | None = None, errors: list[dict] | None = None):
        self.message = message or self.default_message
        self.errors = errors or []
        super().__init__(self.message)


class ValidationFailed(DomainError):
    status = 400
    default_message = "Validation failed"


class Unauthorized(DomainError):
    status = 401
    default_message = "Authentication required"


class Forbidden(DomainError):
    status = 403
    default_message = "Insufficient permissions"


class NotFound(DomainError):
    status = 404
    default_message = "Resource not found"


class Conflict(DomainError):
    status = 409
    default_message = "Conflict"


class Gone(DomainError):
    status = 410
    default_message = "Gone"


def field_error(field: str, message: str, status_cls: type[DomainError] = ValidationFailed) -> DomainError:
    return status_cls(None, [{"field": field, "message": message}])
