"""The KPIs' day rows (services/reporting/days.py): kept by every write, equal to a recount, and the
KPIs read from them equal the KPIs counted from the records, at every boundary."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import USING_POSTGRES

from portal.models import WorkOrder, WorkOrderDay
from portal.platform.extensions import db
from portal.schemas.pm import LaborCreate
from portal.schemas.work_orders import WorkOrderUpdate
from portal.services.reporting import days
from portal.services.reporting import kpis as kpi_service
from portal.services.reporting.kpis import Scope
from portal.services.work_orders import labor as labor_service
from portal.services.work_orders import lifecycle as wo_service
from tests.test_kpis import move, new_order

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
MIDNIGHT = datetime(2026, 6, 30, tzinfo=UTC)


def rows(warehouse_id: str) -> dict[date, tuple[int, int, int, int]]:
    return {day: tuple(counts) for day, *counts in days.totals(warehouse_id, date(2000, 1, 1), date(2100, 1, 1))
            if any(counts)}


def test_every_write_moves_its_day_and_a_recount_agrees(app, users):
    m = users.actor("north", "manager")
    other = users.actor("south", "manager")
    fix = new_order(m, MIDNIGHT - timedelta(microseconds=1), "corrective")  # the last instant of June 29
    move(m, fix, MIDNIGHT, "in_progress", "completed")  # completed at midnight: June 30
    labor_service.add_labor(m, fix.id, LaborCreate(minutes=45, performedAt=MIDNIGHT - timedelta(hours=1)), now=NOW)
    pm = new_order(m, NOW - timedelta(days=3), "preventive")
    labor_service.add_labor(m, pm.id, LaborCreate(minutes=60, performedAt=NOW - timedelta(days=2)), now=NOW)
    typed = new_order(m, NOW - timedelta(days=3), "corrective")
    labor_service.add_labor(m, typed.id, LaborCreate(minutes=30, performedAt=NOW - timedelta(days=2)), now=NOW)
    labor_service.add_labor(m, typed.id, LaborCreate(minutes=20, performedAt=NOW - timedelta(days=1)), now=NOW)
    # Its labor moves to the preventive side with its type, and back again for part of it.
    wo_service.update_work_order(m, typed.id, WorkOrderUpdate(type="preventive"), now=NOW)
    new_order(other, NOW - timedelta(days=3), "corrective")  # another warehouse's day rows

    june = lambda d: date(2026, 6, d)  # noqa: E731
    assert rows(m.warehouse_id) == {
        june(27): (2, 0, 0, 0),
        june(28): (0, 0, 90, 90),   # pm 60 + typed 30, both preventive now
        june(29): (1, 0, 65, 20),   # fix opened at 23:59:59.999999; labor fix 45 + typed 20
        june(30): (0, 1, 0, 0),     # fix completed at 00:00:00
    }
    assert rows(other.warehouse_id) == {june(27): (1, 0, 0, 0)}

    wo_service.update_work_order(m, typed.id, WorkOrderUpdate(type="corrective"), now=NOW)
    assert rows(m.warehouse_id)[june(28)] == (0, 0, 90, 60)
    assert rows(m.warehouse_id)[june(29)] == (1, 0, 65, 0)

    kept = rows(m.warehouse_id)
    days.rebuild(m.warehouse_id)
    db.session.commit()
    assert rows(m.warehouse_id) == kept


def test_a_rolled_back_write_counts_nothing(app, users):
    m = users.actor("north", "manager")
    db.session.add(WorkOrder(warehouse_id=m.warehouse_id, fo_number="FO-X", title="never", created_at=NOW))
    db.session.flush()
    # Kept until the commit: the day's row (every step's) is not locked while the transaction goes on.
    assert rows(m.warehouse_id) == {}
    db.session.rollback()
    assert db.session.query(WorkOrderDay).count() == 0
    # The next transaction counts its own work order only.
    db.session.add(WorkOrder(warehouse_id=m.warehouse_id, fo_number="FO-Y", title="kept", created_at=NOW))
    db.session.commit()
    assert rows(m.warehouse_id) == {NOW.date(): (1, 0, 0, 0)}


def test_a_rolled_back_savepoint_takes_its_increments_with_it(app, users):
    m = users.actor("north", "manager")
    db.session.add(WorkOrder(warehouse_id=m.warehouse_id, fo_number="FO-A", title="kept", created_at=NOW))
    db.session.flush()
    savepoint = db.session.begin_nested()
    db.session.add(WorkOrder(warehouse_id=m.warehouse_id, fo_number="FO-B", title="undone", created_at=NOW))
    db.session.flush()
    savepoint.rollback()
    db.session.add(WorkOrder(warehouse_id=m.warehouse_id, fo_number="FO-C", title="kept too", created_at=NOW))
    db.session.commit()
    assert rows(m.warehouse_id) == {NOW.date(): (2, 0, 0, 0)}


@pytest.mark.parametrize("seed", [1, 2])
def test_kpis_from_day_rows_equal_the_records(app, users, seed):
    """Work and labor at random instants around the window's edges and midnights: the fleet's weekly
    counts and labor sums (day rows + the partial ends) equal those counted from the records alone
    (the path a scoped request takes)."""
    rng = random.Random(seed)
    m = users.actor("north", "manager")
    start = NOW - timedelta(days=30)
    edges = [start, NOW, start.replace(hour=0) + timedelta(days=1), MIDNIGHT, MIDNIGHT - timedelta(days=7)]
    instants = [e + timedelta(seconds=rng.choice((-1, 0, 1)) * rng.choice((1, 3600))) for e in edges for _ in range(3)]
    instants += [start + timedelta(seconds=rng.uniform(0, 30 * 86400)) for _ in range(10)]
    for when in instants:
        wo = new_order(m, when, rng.choice(("corrective", "preventive", "inspection")))
        if rng.random() < 0.6:
            done = min(when + timedelta(hours=rng.choice((1, 12, 30))), NOW)
            move(m, wo, done, "in_progress", "completed")
        labor_service.add_labor(m, wo.id, LaborCreate(minutes=rng.randint(1, 90), performedAt=min(when, NOW)), now=NOW)

    for window in (30, 7, 1, 365):
        s, e = kpi_service._window(window, NOW)
        fleet = Scope(m)
        anchor = kpi_service._week_anchor(s)
        records = {col: kpi_service._weekly(m.warehouse_id, col, [(s, e)], anchor, fleet)
                   for col in (WorkOrder.created_at, WorkOrder.completed_at)}
        weeks = kpi_service._work_orders_per_week(m.warehouse_id, s, e, fleet)
        assert [w["opened"] for w in weeks] == [records[WorkOrder.created_at].get(i, 0) for i in range(len(weeks))]
        assert [w["completed"] for w in weeks] == [records[WorkOrder.completed_at].get(i, 0) for i in range(len(weeks))]
        [(p, t)] = kpi_service._labor_records(fleet, [(s, e)])
        assert kpi_service._labor(fleet, s, e) == [(int(p or 0), int(t or 0))]


def test_the_rebuild_command_recounts_rows_a_bulk_load_left_out(runner, app, users):
    m = users.actor("north", "manager")
    new_order(m, NOW - timedelta(days=2), "corrective")
    kept = rows(m.warehouse_id)
    db.session.execute(WorkOrderDay.__table__.delete())  # as after a COPY that bypassed the app
    db.session.commit()
    assert rows(m.warehouse_id) == {}
    result = runner.invoke(args=["rebuild-kpi-days"])
    assert result.exit_code == 0, result.output
    assert "days" in result.output
    assert rows(m.warehouse_id) == kept == {date(2026, 6, 28): (1, 0, 0, 0)}


@pytest.mark.skipif(not USING_POSTGRES, reason="PostgreSQL's plan cache")
def test_every_statement_is_planned_for_its_own_values(app):
    """psycopg prepares a statement after its fifth run; a generic plan then read a year's KPIs in 1.87 s
    instead of 0.39 s (bench/README.md, kpis.py). The app's connections plan each run (portal/config.py)."""
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
