"""render(): one route answers the full page, or only a block of it for an htmx request.

A request from htmx (HX-Request) that is not a boosted navigation (HX-Boosted) and not a history
restore (HX-History-Restore-Request, htmx asks for the whole page after a cache miss) gets the
named block of the same template, so a row's markup lives once. Vary: HX-Request keeps caches
from serving one answer for the other.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, make_response, render_template, request
from flask.wrappers import Response


def wants_fragment() -> bool:
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-Boosted") != "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render_block(template_name: str, block: str, **ctx: Any) -> str:
    """Render one {% block %} of a template (what jinja2-fragments does, in ten lines)."""
    env = current_app.jinja_env
    template = env.get_template(template_name)
    current_app.update_template_context(ctx)
    context = template.new_context(ctx)
    return "".join(template.blocks[block](context))


def render(template_name: str, *, block: str = "content", status: int = 200, **ctx: Any) -> Response:
    """The page, or its `block` for htmx; always Vary: HX-Request."""
    body = render_block(template_name, block, **ctx) if wants_fragment() else render_template(template_name, **ctx)
    resp = make_response(body, status)
    resp.vary.add("HX-Request")
    return resp
