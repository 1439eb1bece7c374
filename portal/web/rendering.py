"""render(): one route answers the full page, or only a block of it for an htmx request.

A request from htmx (HX-Request) that is not a boosted navigation (HX-Boosted) and not a history
restore (HX-History-Restore-Request, htmx asks for the whole page after a cache miss) gets the
named block of the same template (jinja2-fragments' render_block), so a row's markup lives once.
Vary: HX-Request keeps caches from serving one answer for the other. Macros a block uses are
imported inside the block: a block rendered alone does not see the template's top-level imports.
"""
from __future__ import annotations

from typing import Any

from flask import make_response, render_template, request
from flask.wrappers import Response
from jinja2_fragments.flask import render_block


def wants_fragment() -> bool:
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-Boosted") != "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render(template_name: str, *, block: str = "content", status: int = 200, **ctx: Any) -> Response:
    """The page, or its `block` for htmx; always Vary: HX-Request."""
    body = render_block(template_name, block, **ctx) if wants_fragment() else render_template(template_name, **ctx)
    resp = make_response(body, status)
    resp.vary.add("HX-Request")
    return resp
