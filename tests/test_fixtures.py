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
