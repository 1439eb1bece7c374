"""The asset hierarchy in the portal: the tree view of /assets (?view=tree), a node opened or closed
in place, and the asset form's parent picker. One level at a time, never the whole warehouse.

- /assets?view=tree[&parent=<id>][&open=<id>][&after=<tag>]: the top-level assets (or the children
  of `parent`), with the path down to `open` shown open, from the tag after `after`. htmx's "Show
  more" asks the same URL for the next page's rows only (block tree_items).
- /assets/<id>/tree-node?open=1|0: the node itself, open (its first children) or closed, that
  replaces the node (morph: the focus stays on its button). Opened directly: the tree page.
- /assets/parent-options?parentQ=&asset=<id>&parentId=<picked>: the picker's choices.
"""
from __future__ import annotations

from flask import redirect, request, url_for
from flask.wrappers import Response
from flask_login import current_user, login_required

from portal.models.enums import EQUIPMENT_STATUS
from portal.services.assets import tree
from portal.services.common.actor import Actor
from portal.services.identity.permissions import can
from portal.web.blueprint import web
from portal.web.rendering import render, wants_fragment


def _actor() -> Actor:
    return Actor.of(current_user.user)


def tree_page(actor: Actor) -> Response:
    """/assets?view=tree: the page, or (htmx's "Show more") the rows of the next page only."""
    parent_id = request.args.get("parent") or None
    opened = tree.open_path(actor, request.args.get("open"))
    after = request.args.get("after", "")[:64].replace("\x00", "") or None
    level = tree.tree_level(actor, parent_id, after, open_ids=opened)
    crumbs = tree.breadcrumbs(actor, level.parent) if level.parent else []
    args = {k: v for k, v in request.args.items() if v != "" and k != "view"}
    return render("assets/index.html", block="tree_items", view="tree", level=level, crumbs=crumbs, args=args,
                  statuses=EQUIPMENT_STATUS, can_edit=can(actor, "equipment.write"))


@web.get("/assets/<equipment_id>/tree-node")
@login_required
def asset_tree_node(equipment_id: str) -> Response:
    actor = _actor()
    if not wants_fragment():
        tree.tree_node(actor, equipment_id, open_=False)  # another warehouse's asset: the same 404
        return redirect(url_for("web.assets", view="tree", open=equipment_id), 303)
    node = tree.tree_node(actor, equipment_id, open_=request.args.get("open") == "1")
    resp = render("assets/_tree.html", block="node", node=node, statuses=EQUIPMENT_STATUS)
    return resp


@web.get("/assets/parent-options")
@login_required
def asset_parent_options() -> Response:
    """The parent picker's choices for the text typed: never the asset itself nor one below it; the
    one already picked stays (first, picked) when a search no longer lists it."""
    actor = _actor()
    asset_id = request.args.get("asset") or None
    q = request.args.get("parentQ", "").strip()[:200]
    choices = tree.parent_choices(actor, q or None, asset_id)
    picked = tree.find_asset(actor, request.args.get("parentId"))
    return render("assets/_parent_picker.html", block="options", choices=choices, picked=picked,
                  picked_id=request.args.get("parentId", ""), parent_q=q)
