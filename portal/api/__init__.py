"""The JSON API under /api: one module per resource, all errors as {message, errors}
(portal/error_handlers.py)."""
from __future__ import annotations

from flask import Flask, request

from portal.api.blueprint import api
from portal.platform.extensions import jwt
from portal.services.identity import auth as auth_service

__all__ = ["api", "register_api"]


def register_api(app: Flask) -> None:
    from portal.api import (  # noqa: F401  (routes register on import)
        admin,
        api_keys,
        auth,
        bad_actors,
        checklists,
        docs,
        equipment,
        exports,
        failure_codes,
        idempotency,
        imports,
        kpis,
        notifications,
        parts,
        pm,
        requests,
        schedules,
        users,
        warehouse,
        webhooks,
        work_order_extras,
        work_orders,
    )

    api_keys.install(app)

    from portal.api.routing import install as install_converters

    install_converters(app)  # before the blueprint's rules are bound to the URL map
    app.register_blueprint(api)

    # The session and the user come back from one query (the blocklist check runs first); the
    # user is kept on this request only (its WSGI environ), never across requests.
    @jwt.token_in_blocklist_loader
    def revoked(_header, payload) -> bool:
        sid = payload.get("sid")
        if sid is None:
            return True
        live, user = auth_service.token_session(sid, payload["sub"])
        request.environ["maintainpro.token_user"] = (sid, user)
        return not live

    @jwt.user_lookup_loader
    def load_user(_header, payload):
        sid, user = request.environ.get("maintainpro.token_user", (None, None))
        if sid is not None and sid == payload.get("sid"):
            return user
        return auth_service.load_user(payload["sub"])
