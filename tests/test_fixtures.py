"""The test fixtures themselves: what every other test relies on."""
import pytest
from conftest import _empty_tables
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from portal.models import WorkOrder
from portal.platform.database import unit_of_work
from portal.platform.extensions import db


def test_tables_emptied_between_tests_keep_foreign_keys_enforced(app, users):
    """conftest's _empty_tables turns SQLite's foreign keys off to empty the tables at once: every
    connection of the pool has them on again afterwards, so a row pointing at nothing is refused."""
    _empty_tables()
    assert all(db.session.scalar(select_count(t)) == 0 for t in db.metadata.sorted_tables)
    if db.engine.dialect.name == "sqlite":
        db.session.remove()
        idle = db.engine.pool.checkedin()  # every connection of the pool, the one _empty_tables used among them
        assert idle >= 1
        connections = [db.engine.connect() for _ in range(idle)]
        try:
            assert [c.exec_driver_sql("PRAGMA foreign_keys").scalar() for c in connections] == [1] * idle
        finally:
            for c in connections:
                c.close()
    with pytest.raises(IntegrityError, match="(?i)foreign key"), unit_of_work() as s:
        s.add(WorkOrder(warehouse_id="no-such-warehouse", fo_number="WO-2026-001", title="Orphan"))


def select_count(table):
    return text(f'SELECT count(*) FROM "{table.name}"')


def test_tests_hash_cheaply_while_production_keeps_owasps_argon2_parameters(app, monkeypatch):
    """Tests hash passwords with 1 MiB and one pass (conftest's TEST_CONFIG: some hundred hashes a
    run); the configuration everyone else gets is argon2id at OWASP's minimum, m = 19 MiB, t = 2,
    p = 1, and that is what a password is hashed with under it."""
    from argon2 import PasswordHasher

    from portal.config import load_config
    from portal.services.identity import auth as auth_service

    assert auth_service.hash_password("x").startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    for name in ("ARGON2_MEMORY_KIB", "ARGON2_TIME_COST"):
        monkeypatch.delenv(name, raising=False)
    production = load_config()
    assert (production["ARGON2_MEMORY_KIB"], production["ARGON2_TIME_COST"]) == (19456, 2)
    app.config.update(ARGON2_MEMORY_KIB=production["ARGON2_MEMORY_KIB"], ARGON2_TIME_COST=production["ARGON2_TIME_COST"])
    hashed = auth_service.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PasswordHasher().verify(hashed, "correct horse battery")
