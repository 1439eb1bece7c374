"""The portal's blueprint (the pages for people).

In a module of its own, so the page modules that add routes to it and the package that
registers them import it without importing each other.
"""
from __future__ import annotations

from flask import Blueprint

web = Blueprint("web", __name__)
