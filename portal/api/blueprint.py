"""The JSON API's blueprint (everything under /api).

In a module of its own, so the resource modules that add routes to it and the package that
registers them import it without importing each other. Its errors are answered in the contract's
format by portal/error_handlers.py.
"""
from __future__ import annotations

from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api")
