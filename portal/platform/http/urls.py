"""Absolute URLs for what leaves the screen (QR codes on printed labels, the API's report URL)."""
from __future__ import annotations

from flask import current_app, request


def absolute_url(path: str) -> str:
    """`path` under PUBLIC_BASE_URL when set (set it in production: a printed label outlives the
    request); else under the request's own URL root, which Flask checks against TRUSTED_HOSTS
    when that is configured. Paging links never use the Host header (api/common.py); a label is
    printed by a logged-in user of this warehouse from the address they are using, so it may."""
    base = current_app.config.get("PUBLIC_BASE_URL", "") or request.url_root.rstrip("/")
    return base + path
