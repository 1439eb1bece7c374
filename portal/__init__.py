"""MaintainPro: app factory."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from .config import load_config
from .extensions import db, jwt, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_config())
    if config:
        app.config.update(config)
    from .json_provider import FastJSONProvider

    app.json = FastJSONProvider(app)
    app.json.sort_keys = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from . import security

    security.init_app(app)  # before the database is first opened: it creates the SQLite file 0600
    db.init_app(app)
    from .database import init_database

    init_database(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    jwt.init_app(app)
    login_manager.init_app(app)

    from .api import api, register_api

    register_api(app)

    from .observability import init_observability
    from .ratelimits import init_rate_limits

    init_observability(app)  # first: its request timer and id also cover requests refused with 429
    init_rate_limits(app)
    from .web import register_web

    register_web(app)
    from .static_files import init_static_files

    init_static_files(app)
    from .extensions import csrf

    csrf.exempt(api)

    from .cli import register_cli

    register_cli(app)

    from .jobs.cli import register_jobs_cli
    from .services.wiring import wire

    register_jobs_cli(app)
    wire(app)  # every cross-service rule (completion gates, PM schedule, webhook outbox), listed once

    @app.teardown_appcontext
    def _end_session(_exc: BaseException | None) -> None:
        db.session.remove()

    return app
