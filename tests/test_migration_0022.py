"""Migration 0022 gives every existing warehouse the default hold reasons."""
from __future__ import annotations

import logging
from pathlib import Path

from conftest import make_app
from flask_migrate import upgrade
from sqlalchemy import text

from portal.platform.extensions import db, migrate
from portal.services.work_orders.hold_reasons import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent


def test_0022_seeds_the_default_hold_reasons_per_warehouse(tmp_path):
    loggers = {name: lg.disabled for name, lg in logging.root.manager.loggerDict.items()
               if isinstance(lg, logging.Logger)}
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    migrate.bind(app)  # Flask-Migrate is bound when a migration runs (platform/extensions.py)
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="0014")
            with db.engine.begin() as conn:
                for wid, name in (("w1", "North"), ("w2", "South")):
                    conn.execute(text("INSERT INTO warehouses (id, name, is_demo, created_at) "
                                      f"VALUES ('{wid}', '{name}', false, '2026-01-01 00:00:00')"))
            upgrade(directory=str(ROOT / "migrations"))
            with db.engine.connect() as conn:
                rows = conn.execute(text("SELECT warehouse_id, code, label, active FROM hold_reasons "
                                         "ORDER BY warehouse_id, position")).all()
            assert [tuple(r) for r in rows] == [(wid, code, label, 1) for wid in ("w1", "w2") for code, label in DEFAULTS]
            db.session.remove()
            db.engine.dispose()
    finally:
        for name, disabled in loggers.items():
            logging.getLogger(name).disabled = disabled
