"""The JSON API's blueprint (everything under /api) and its error body, {message, errors}.

In a module of its own, so the resource modules that add routes to it and the package that
registers them import it without importing each other.
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

api = Blueprint("api", __name__, url_prefix="/api")


def error_response(status: int, message: str, errors: list[dict] | None = None) -> Response:
    resp = jsonify({"message": message, "errors": errors or []})
    resp.status_code = status
    return resp
