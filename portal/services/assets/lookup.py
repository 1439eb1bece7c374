"""What a scanned code or a typed asset tag names: the in-app scanner's one question to the server.

A label's big code is the asset page's URL (``/assets/<id>?label=<token>``), its report code the
public report's (``/report/<token>``); older labels carry the bare asset page URL. Any of these, from
any host (a label printed before the portal's public address was set names another host), or an
asset tag typed by hand, is looked up in the actor's warehouse only: another warehouse's asset is
"not ours", like a supplier's barcode.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import func, select

from portal.models import Equipment
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.identity.permissions import require

MAX_CODE_LENGTH = 2000
_ASSET_PATH = re.compile(r"/assets/([A-Za-z0-9-]{1,64})(?:/label)?/?")
_REPORT_PATH = re.compile(r"/report/([A-Za-z0-9_-]{1,64})/?")


def asset_for_code(actor: Actor, code: str) -> Equipment | None:
    """The asset of the actor's warehouse that `code` names, or None when it names none of them."""
    require(actor, "equipment.read")
    text = (code or "").strip()
    if not text or len(text) > MAX_CODE_LENGTH or "\x00" in text:
        return None
    mine = select(Equipment).where(Equipment.warehouse_id == actor.warehouse_id)
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https"):
            return None
        # A reverse proxy may mount the portal under a prefix: the path's end is what names the asset.
        path = parts.path
        for pattern, column in ((_ASSET_PATH, Equipment.id), (_REPORT_PATH, Equipment.report_token)):
            match = pattern.search(path)
            if match and match.end() == len(path):
                return db.session.scalars(mine.where(column == match.group(1))).first()
        return None
    if len(text) > 64:
        return None
    exact = db.session.scalars(mine.where(Equipment.asset_tag == text)).first()
    if exact is not None:
        return exact
    # Typed on a phone: "pmp-3" for PMP-3, when only one asset's tag matches that way.
    loose = list(db.session.scalars(mine.where(func.lower(Equipment.asset_tag) == text.lower()).limit(2)))
    return loose[0] if len(loose) == 1 else None
