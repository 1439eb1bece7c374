"""Migration 0007 gives every existing asset its own report token, with rows pointing at the assets."""
from __future__ import annotations

import logging
from pathlib import Path

from conftest import make_app
from flask_migrate import upgrade
from sqlalchemy import text

from portal.platform.extensions import db, migrate

ROOT = Path(__file__).resolve().parent.parent


def test_0007_backfills_a_distinct_token_per_asset_and_keeps_references(tmp_path):
    loggers = {name: lg.disabled for name, lg in logging.root.manager.loggerDict.items()
               if isinstance(lg, logging.Logger)}
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    migrate.bind(app)  # Flask-Migrate is bound when a migration runs (platform/extensions.py)
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="0005")
            stamp = "'2026-01-01 00:00:00'"
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO warehouses (id, name, is_demo, created_at) "
                                  f"VALUES ('w1', 'Plant', false, {stamp})"))
                for eid, tag in (("e1", "PMP-1"), ("e2", "PMP-2")):
                    conn.execute(text(
                        "INSERT INTO equipment (id, warehouse_id, asset_tag, status, criticality, created_at, "
                        f"updated_at) VALUES ('{eid}', 'w1', '{tag}', 'active', 'medium', {stamp}, {stamp})"))
                conn.execute(text(
                    "INSERT INTO work_orders (id, warehouse_id, fo_number, title, status, priority, type, "
                    f"equipment_id, created_at, updated_at) VALUES ('o1', 'w1', 'WO-2026-001', 'Seal', 'new', "
                    f"'medium', 'corrective', 'e1', {stamp}, {stamp})"))
            upgrade(directory=str(ROOT / "migrations"))
            with db.engine.connect() as conn:
                tokens = dict(conn.execute(text("SELECT id, report_token FROM equipment")).all())
                order = conn.execute(text("SELECT equipment_id, reporter_name FROM work_orders")).one()
                enabled = conn.execute(text("SELECT problem_reports_enabled FROM warehouses")).scalar_one()
                fk_problems = conn.execute(text("PRAGMA foreign_key_check")).all()
            assert set(tokens) == {"e1", "e2"} and len(set(tokens.values())) == 2
            assert all(len(t) >= 43 for t in tokens.values())
            assert tuple(order) == ("e1", None) and not enabled and fk_problems == []
            db.session.remove()
            db.engine.dispose()
    finally:
        for name, disabled in loggers.items():
            logging.getLogger(name).disabled = disabled


def test_0007_downgrades_with_rows_in_place(tmp_path):
    from flask_migrate import downgrade

    loggers = {name: lg.disabled for name, lg in logging.root.manager.loggerDict.items()
               if isinstance(lg, logging.Logger)}
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'down.db'}")
    migrate.bind(app)  # Flask-Migrate is bound when a migration runs (platform/extensions.py)
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="0007")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO warehouses (id, name, is_demo, created_at) "
                                  "VALUES ('w1', 'Plant', false, '2026-01-01 00:00:00')"))
                conn.execute(text(
                    "INSERT INTO equipment (id, warehouse_id, asset_tag, status, criticality, report_token, "
                    "created_at, updated_at) VALUES ('e1', 'w1', 'PMP-1', 'active', 'medium', 'tok', "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
            downgrade(directory=str(ROOT / "migrations"), revision="0005")
            with db.engine.connect() as conn:
                columns = {row[1] for row in conn.execute(text("PRAGMA table_info(equipment)"))}
                assert "report_token" not in columns
                assert conn.execute(text("SELECT asset_tag FROM equipment")).scalar_one() == "PMP-1"
            db.session.remove()
            db.engine.dispose()
    finally:
        for name, disabled in loggers.items():
            logging.getLogger(name).disabled = disabled
