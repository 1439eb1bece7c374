"""MaintainPro: app factory."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from portal.config import engine_options, load_config
from portal.platform.extensions import db, jwt, login_manager, migrate

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
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"],
                                                             app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    from portal.platform.http.json_provider import FastJSONProvider

    app.json = FastJSONProvider(app)
    app.json.sort_keys = False
    from portal.platform.telemetry.observability import configure_logging

    configure_logging(app.config["LOG_FORMAT"])

    from portal.platform.http import security

    security.init_app(app)  # before the database is first opened: it creates the SQLite file 0600
    db.init_app(app)
    from portal.platform.database import init_database

    init_database(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    jwt.init_app(app)
    login_manager.init_app(app)

    from portal.api import api, register_api

    register_api(app)

    from portal.platform.ratelimits import init_rate_limits
    from portal.platform.telemetry.observability import init_observability

    init_observability(app)  # first: its request timer and id also cover requests refused with 429
    init_rate_limits(app)
    from portal.web import register_web

    register_web(app)
    from portal.platform.http.static_files import init_static_files

    init_static_files(app)
    from portal.platform.extensions import csrf

    csrf.exempt(api)

    from portal.cli import register_cli

    register_cli(app)

    from portal.jobs.cli import register_jobs_cli
    from portal.wiring import wire

    register_jobs_cli(app)
    # Every cross-domain rule (completion gate, asset back up, PM schedule, webhook outbox, cache
    # generations, live versions), listed once.
    wire(app)

    from portal.error_handlers import register_error_handlers

    register_error_handlers(app)  # both faces: the contract's JSON errors under /api, pages elsewhere

    @app.teardown_appcontext
    def _end_session(_exc: BaseException | None) -> None:
        db.session.remove()

    return app
