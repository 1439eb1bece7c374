"""URL converters: an id in a path never captures a literal route segment.

Werkzeug matches a dynamic segment whenever the static sibling route has no rule for the method,
so `GET /api/parts/consume` reached `GET /api/parts/<part_id>` ("Part not found") and `OPTIONS`
there advertised GET and PATCH. With the default converter refusing the literal segments below,
such a request answers 405 with the methods the path really has. tests/test_security.py checks that
every literal segment beside a dynamic one in the URL map is listed here.
"""
from __future__ import annotations

import re

from flask import Flask
from werkzeug.routing import BaseConverter

# Literal path segments that sit where a sibling route has an id: /api/parts/consume,
# /api/parts/reorder-requests, /api/webhooks/deliveries/..., /api/equipment/export, /assets/export.csv (ids are UUIDs, never these words).
RESERVED_SEGMENTS = ("consume", "reorder-requests", "deliveries", "bulk-assign", "bulk", "export", "export.csv", "import",
                     "settings")


class IdSegmentConverter(BaseConverter):
    """The default `<name>` converter: one path segment (as Werkzeug's), but never a reserved literal."""

    regex = "(?!(?:" + "|".join(map(re.escape, RESERVED_SEGMENTS)) + r")\Z)[^/]+"
    part_isolating = True  # matches within one segment (Werkzeug would infer False from the "/")


def install(app: Flask) -> None:
    """Make IdSegmentConverter the default; call before any route with `<name>` is registered."""
    app.url_map.converters["default"] = IdSegmentConverter
