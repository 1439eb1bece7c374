"""Errors of the portal face: pages in the base layout, or a small fragment for htmx requests."""
from __future__ import annotations

from flask import Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException

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


def html_http_error(exc: HTTPException) -> Response:
    if exc.code == 400 and "CSRF" in (exc.description or ""):
        return error_page(400, "This form expired. Reload the page and try again.")
    return error_page(exc.code or 500, exc.description if (exc.code or 500) < 500 else None)


def html_unexpected_error(exc: Exception) -> Response:
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_page(500, "The error was logged. Try again, or tell your administrator.")
