"""The OpenAPI document outside a running server, for the tools that generate the SDKs' types from
it (sdk/js/tools/gen_types.py, sdk/python/tools/gen_models.py): an app on a scratch instance."""
from __future__ import annotations

import os
import tempfile
from typing import Any


def openapi_document() -> dict[str, Any]:
    from portal import create_app
    from portal.api.docs import build_openapi

    instance = tempfile.mkdtemp(prefix="maintainpro-openapi-")
    os.environ.setdefault("MAINTAINPRO_INSTANCE", instance)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/openapi.db",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        return build_openapi()
