"""Errors of the portal face: pages in the base layout, or a small fragment for htmx requests.

Views answer with error_page() where they know better than a raised error; the handlers of both
faces are in portal/error_handlers.py."""
from __future__ import annotations

from flask import Response, current_app, render_template

from portal.web.rendering import wants_fragment

TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 405: "Not allowed here",
          413: "Too large", 429: "Too many attempts", 500: "Something went wrong"}


def error_page(status: int, message: str | None = None) -> Response:
    title = TITLES.get(status, "Error")
    template = "errors/fragment.html" if wants_fragment() else "errors/page.html"
    body = render_template(template, status=status, title=title, message=message)
    resp = current_app.make_response((body, status))
    resp.vary.add("HX-Request")
    return resp
