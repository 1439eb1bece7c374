"""Pickers of the work order screens that stay the same size whatever the plant's size.

- The asset picker (board and list filters, the new work order form): a search box and a <select>
  of the few assets that match (services/work_orders/pickers.py); typing asks GET
  /work-orders/asset-options for the select again. Without JavaScript the form's own submit sends
  the search, and the page comes back with the matches in the select.
- Assignees: the people a page offers are rendered ONCE (`option_tags`, a string built in Python,
  no macro call per option); the board's rows carry only their current assignee and copy the
  page's shared list (<template id="assignee-options">) when one is opened (static/js/portal.js).
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import make_response, render_template, request
from flask.wrappers import Response
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from portal.services.common.actor import Actor
from portal.services.work_orders import pickers
from portal.web.blueprint import web

# The select's blank option, by where the picker is (a filter: any asset; a form: none).
BLANKS = {"filter": "Any asset", "form": "No asset"}


@web.app_template_global()
def option_tags(options: Iterable[tuple[str, str]], selected: str | None = "") -> Markup:
    """<option>s of (value, text) pairs, `selected` marked: the same markup as the select macro's,
    built once as a string (a thousand people cost a thousand f-strings, not a thousand macro calls)."""
    selected = "" if selected is None else str(selected)
    return Markup("".join(
        f'<option value="{escape(value)}"{" selected" if str(value) == selected else ""}>{escape(text)}</option>'
        for value, text in options))


@web.get("/work-orders/asset-options")
@login_required
def asset_options() -> Response:
    """The asset picker's <select> for the text typed (`assetQ`), keeping the asset chosen
    (`equipmentId`): swapped in place of the select by the picker's search box."""
    actor = Actor.of(current_user.user)
    where = request.args.get("pick", "filter")
    choices = pickers.asset_choices(actor, request.args.get("assetQ"), request.args.get("equipmentId"))
    where = where if where in BLANKS else "filter"
    resp = make_response(render_template("work_orders/_asset_select.html", choices=choices, where=where, errors={}))
    resp.vary.add("HX-Request")
    return resp
