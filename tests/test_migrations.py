"""Migrations build, from an empty database, exactly the schema the models describe.

On SQLite always; on PostgreSQL when DATABASE_URL points at one, in a scratch database created and
dropped here (never the suite's own database).
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import USING_POSTGRES, make_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from portal.platform.extensions import db, migrate

ROOT = Path(__file__).resolve().parent.parent


def _not_a_search_index(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "index" and (name or "").endswith("_search_trgm"))


def _upgrade_and_compare(url: str) -> tuple[list, str | None, set[str]]:
    """Run every migration on an empty database at `url`; return (diff vs models, revision, tables).

    compare_metadata does not look at CHECK constraints: the stock one is asserted here directly."""
    loggers = {name: lg.disabled for name, lg in logging.root.manager.loggerDict.items()
               if isinstance(lg, logging.Logger)}
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    migrate.bind(app)  # Flask-Migrate is bound when a migration runs (platform/extensions.py)
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            with db.engine.connect() as conn:
                # Alembic compares an expression index by its text, and PostgreSQL reflects the
                # search indexes' expression in its own normal form (casts, parentheses): they
                # are checked by name below instead.
                context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                                 "include_object": _not_a_search_index})
                diff = compare_metadata(context, db.metadata)
                revision = context.get_current_revision()
                tables = set(inspect(conn).get_table_names())
                checks = {c["name"] for c in inspect(conn).get_check_constraints("parts")}
                assert "ck_parts_stock_not_negative" in checks
                if conn.dialect.name == "postgresql":
                    for table in ("work_orders", "equipment", "parts"):
                        names = {i["name"] for i in inspect(conn).get_indexes(table)}
                        assert f"ix_{table}_search_trgm" in names
            db.session.remove()
            db.engine.dispose()
    finally:
        # Alembic's logging set-up (fileConfig) disables the loggers that exist; give them back.
        for name, disabled in loggers.items():
            logging.getLogger(name).disabled = disabled
    return diff, revision, tables


def _head() -> str:
    app = make_app()
    with app.app_context():
        from alembic.config import Config

        config = Config(str(ROOT / "migrations" / "alembic.ini"))
        config.set_main_option("script_location", str(ROOT / "migrations"))
        return ScriptDirectory.from_config(config).get_current_head()


def _assert_matches_models(diff: list, revision: str | None, tables: set[str]) -> None:
    assert revision == _head()
    assert {t.name for t in db.metadata.sorted_tables} <= tables
    assert diff == [], "migrations and models differ:\n" + "\n".join(map(str, diff))


def test_migration_chain_is_linear_and_starts_at_0001():
    from alembic.config import Config

    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1
    revisions = [r.revision for r in script.walk_revisions()]
    assert revisions[-1] == "0001"
    assert [r for r in revisions if not r.isdigit()] == []


def test_upgrade_from_empty_on_sqlite(tmp_path):
    diff, revision, tables = _upgrade_and_compare(f"sqlite:///{tmp_path / 'fresh.db'}")
    _assert_matches_models(diff, revision, tables)


@pytest.mark.skipif(not USING_POSTGRES, reason="PostgreSQL run only (DATABASE_URL)")
def test_upgrade_from_empty_on_postgresql():
    import psycopg

    base = make_url(os.environ["DATABASE_URL"])
    scratch = f"{base.database}_migrations_{uuid.uuid4().hex[:8]}"
    admin_url = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        url = base.set(drivername="postgresql+psycopg", database=scratch).render_as_string(hide_password=False)
        diff, revision, tables = _upgrade_and_compare(url)
        _assert_matches_models(diff, revision, tables)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def test_flask_db_upgrade_command_on_a_fresh_instance(tmp_path):
    """What `make run` does first, as a newcomer would: a fresh instance/ and the flask CLI."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["MAINTAINPRO_INSTANCE"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'maintainpro.db'}")
    with app.app_context():
        with db.engine.connect() as conn:
            assert {"work_orders", "equipment", "parts", "users", "alembic_version"} <= set(inspect(conn).get_table_names())
        db.engine.dispose()


@contextmanager
def _migrating(url: str):
    """An app on the database at `url`, with Flask-Migrate bound, to run chosen migrations in.
    Alembic's logging set-up (fileConfig) disables the loggers that exist; they are given back."""
    loggers = {name: lg.disabled for name, lg in logging.root.manager.loggerDict.items()
               if isinstance(lg, logging.Logger)}
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    migrate.bind(app)
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        for name, disabled in loggers.items():
            logging.getLogger(name).disabled = disabled


def test_0004_backfills_an_initial_ledger_row_per_stocked_part(tmp_path):
    """Parts that existed before the ledger get one `initial` movement, so the ledger sums to the level."""
    from sqlalchemy import text

    with _migrating(f"sqlite:///{tmp_path / 'old.db'}"):
        upgrade(directory=str(ROOT / "migrations"), revision="0003")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO warehouses (id, name, is_demo, created_at) "
                              "VALUES ('w1', 'Plant', false, '2026-01-01 00:00:00')"))
            for pid, number, level in (("p1", "BRG-1", 45), ("p2", "BLT-1", 0)):
                conn.execute(text(
                    "INSERT INTO parts (id, warehouse_id, part_number, stock_level, reorder_point, auto_reorder, "
                    "unit_cost, low_stock_alerted, created_at, updated_at) VALUES "
                    f"('{pid}', 'w1', '{number}', {level}, 0, false, 1.00, false, "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT part_id, kind, quantity, level_after, warehouse_id "
                                     "FROM stock_movements")).all()
        assert [tuple(r) for r in rows] == [("p1", "initial", 45, 45, "w1")]


def test_0031_adds_the_delivery_attempts_table_and_takes_it_away_again(tmp_path):
    """One row per attempt, keyed by delivery and attempt number, going with its delivery."""
    with _migrating(f"sqlite:///{tmp_path / 'attempts.db'}"):
        upgrade(directory=str(ROOT / "migrations"), revision="0031")
        with db.engine.connect() as conn:
            found = inspect(conn)
            key = found.get_pk_constraint("webhook_delivery_attempts")["constrained_columns"]
            [fk] = found.get_foreign_keys("webhook_delivery_attempts")
        assert key == ["delivery_id", "attempt"]
        assert (fk["referred_table"], fk["options"].get("ondelete")) == ("webhook_deliveries", "CASCADE")
        downgrade(directory=str(ROOT / "migrations"), revision="-1")
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert "webhook_delivery_attempts" not in tables and "webhook_deliveries" in tables
