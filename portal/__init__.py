"""MaintainPro: app factory."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, redirect, url_for

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
    app.json.sort_keys = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from . import security

    security.init_app(app)  # before the database is first opened: it creates the SQLite file 0600
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    jwt.init_app(app)
    login_manager.init_app(app)

    from .services.auth import load_user

    login_manager.user_loader(load_user)

    from .api import register_api

    register_api(app)

    from .observability import init_observability
    from .ratelimits import init_rate_limits

    init_observability(app)  # first: its request timer and id also cover requests refused with 429
    init_rate_limits(app)

    from .cli import register_cli

    register_cli(app)

    from .jobs.cli import register_jobs_cli
    from .services import webhooks as webhook_service

    register_jobs_cli(app)
    webhook_service.install()  # the outbox: deliveries written with each event, enqueued after commit

    @app.get("/")
    def index():
        return redirect(url_for("api.docs_page"))

    @app.teardown_appcontext
    def _end_session(_exc: BaseException | None) -> None:
        db.session.remove()

    return app
