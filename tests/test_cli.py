"""The operator's commands: create-user, seed-demo, demo-code (through the Flask CLI runner)."""
from __future__ import annotations

import re
import sqlite3
from collections import Counter
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from conftest import _empty_tables, make_app
from sqlalchemy import func, select

from portal.models import Equipment, Part, User, Warehouse, WorkOrder, WorkRequest
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.services.identity import auth as auth_service


@pytest.fixture(scope="module")
def _demo_seeded_once(_shared_app):
    """On SQLite, `seed-demo` run once for the module on empty tables: its CLI result and a copy of
    the database it left (None, None elsewhere). The seed goes through the services (about 7
    CPU-seconds); three tests read the plant it builds, and each got it by seeding again. The copy is
    SQLite's online backup of the whole file, restored by `demo_plant` below in a few milliseconds."""
    if not _shared_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        yield None, None
        return
    with _shared_app.app_context():
        _empty_tables()
        get_redis().flushdb()
        result = _shared_app.test_cli_runner().invoke(args=["seed-demo"])
        snapshot = sqlite3.connect(":memory:")
        raw = db.engine.raw_connection()
        try:
            raw.driver_connection.backup(snapshot)
        finally:
            raw.close()
        db.session.remove()
    yield result, snapshot
    snapshot.close()


@pytest.fixture
def demo_plant(app, runner, _demo_seeded_once):
    """The demo plant in this test's (emptied) database: the module's seed restored on SQLite, seeded
    by this test elsewhere (PostgreSQL). Returns the CLI result of the seed that built it."""
    result, snapshot = _demo_seeded_once
    if snapshot is None:
        result = runner.invoke(args=["seed-demo"])
    else:
        db.session.remove()
        raw = db.engine.raw_connection()
        try:
            snapshot.backup(raw.driver_connection)
        finally:
            raw.close()
    assert result.exit_code == 0, result.output
    return result


def test_create_user_prints_id_secret_and_uri(runner, app):
    result = runner.invoke(args=["create-user", "Pat.Fitter@Plant.example.com", "--password", "long enough pw",
                                 "--role", "technician", "--warehouse", "East Plant", "--name", "Pat Fitter"])
    assert result.exit_code == 0, result.output
    user_id = re.search(r"^id: (\S+)$", result.output, re.M).group(1)
    secret = re.search(r"^totp secret: ([A-Z2-7]+)$", result.output, re.M).group(1)
    uri = re.search(r"^totp uri: (otpauth://\S+)$", result.output, re.M).group(1)
    user = db.session.get(User, user_id)
    assert user.email == "pat.fitter@plant.example.com"
    assert (user.role, user.name, user.warehouse.name) == ("technician", "Pat Fitter", "East Plant")
    assert user.totp_secret == secret
    parsed = urlparse(uri)
    assert parsed.netloc == "totp"
    assert "pat.fitter@plant.example.com" in unquote(parsed.path)
    assert parse_qs(parsed.query)["secret"] == [secret]
    assert parse_qs(parsed.query)["issuer"] == ["MaintainPro"]
    # The printed secret is the one the login checks.
    logged_in, _ = auth_service.login(user.email, "long enough pw", pyotp.TOTP(secret).now())
    assert logged_in.id == user_id


def test_create_user_joins_an_existing_warehouse_and_keeps_a_given_secret(runner, app, users):
    secret = pyotp.random_base32()
    result = runner.invoke(args=["create-user", "new@north.example.com", "--password", "long enough pw",
                                 "--role", "manager", "--warehouse", "North Plant", "--totp-secret", secret])
    assert result.exit_code == 0, result.output
    assert f"totp secret: {secret}" in result.output
    user = db.session.scalars(select(User).filter_by(email="new@north.example.com")).one()
    assert user.warehouse_id == users["north"]["manager"].warehouse_id
    assert db.session.scalar(select(func.count()).select_from(Warehouse)) == 2


def test_duplicate_email_is_refused_with_exit_code_1(runner, app, users):
    warehouses = db.session.scalar(select(func.count()).select_from(Warehouse))
    result = runner.invoke(args=["create-user", "MANAGER@north.example.com", "--password", "long enough pw",
                                 "--role", "admin", "--warehouse", "Brand New Plant"])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count()).select_from(User).filter_by(role="admin")) == 2
    # Nothing half-done: the warehouse named in the refused command was not created.
    assert db.session.scalar(select(func.count()).select_from(Warehouse)) == warehouses


def test_create_user_validates_its_input(runner, app):
    bad_role = runner.invoke(args=["create-user", "a@b.example.com", "--password", "long enough pw",
                                   "--role", "boss", "--warehouse", "W"])
    assert bad_role.exit_code != 0
    short = runner.invoke(args=["create-user", "a@b.example.com", "--password", "short", "--role", "admin",
                                "--warehouse", "W"])
    assert short.exit_code == 1 and "password" in short.output
    bad_secret = runner.invoke(args=["create-user", "a@b.example.com", "--password", "long enough pw",
                                     "--role", "admin", "--warehouse", "W", "--totp-secret", "not base32!"])
    assert bad_secret.exit_code == 1 and "totpSecret" in bad_secret.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_seed_demo_builds_the_demo_plant_once(runner, app, demo_plant):
    first = demo_plant  # `seed-demo` on empty tables
    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output
    demo = db.session.scalars(select(Warehouse).filter_by(name="Demo Plant")).one()
    assert demo.is_demo

    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(model.warehouse_id == demo.id, *where))

    roles = set(db.session.scalars(select(User.role).where(User.warehouse_id == demo.id)))
    assert roles == {"admin", "manager", "technician", "requester"}
    assert 25 <= count(Equipment) <= 30  # 20 machines, and the site, areas, lines and systems above them
    # A hierarchy five levels deep: site › area › line › conveyor › its drive motor.
    by_tag = {e.asset_tag: e for e in db.session.scalars(select(Equipment).where(Equipment.warehouse_id == demo.id))}
    chain, eq = [], by_tag["MOTOR-102"]
    while eq is not None:
        chain.append(eq.asset_tag)
        eq = db.session.get(Equipment, eq.parent_id) if eq.parent_id else None
    assert chain == ["MOTOR-102", "CONV-110", "LINE-1", "AREA-PROD", "SITE-LYON"]
    assert [t for t, e in by_tag.items() if e.parent_id is None] == ["SITE-LYON"]
    assert 35 <= count(Part) <= 45
    assert count(Part, Part.stock_level <= Part.reorder_point) >= 5
    # 60 + breakdowns + lubrication rounds + four months of PM ones + a year of failure history
    assert 90 <= count(WorkOrder) <= 140
    statuses = Counter(db.session.scalars(select(WorkOrder.status).where(WorkOrder.warehouse_id == demo.id)))
    assert set(statuses) == {"new", "assigned", "in_progress", "on_hold", "completed", "cancelled"}
    assert all(n >= 5 for n in statuses.values())
    completed = db.session.scalars(select(WorkOrder).where(WorkOrder.status == "completed")).all()
    assert all(wo.completed_at is not None and wo.completion_notes for wo in completed)
    for email in ("admin@demo.maintainpro.test", "tech@demo.maintainpro.test"):
        assert email in first.output
    # Reports go through the requests inbox: two from labels and a requester's wait for the manager.
    assert demo.request_routing == "inbox"
    waiting = db.session.scalars(select(WorkRequest).where(WorkRequest.warehouse_id == demo.id)).all()
    assert sorted((r.status, bool(r.reporter_name), bool(r.requested_by)) for r in waiting) == [
        ("pending", False, True), ("pending", True, False), ("pending", True, False)]

    totals = (count(Equipment), count(Part), count(WorkOrder))
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert "already present" in again.output
    assert (count(Equipment), count(Part), count(WorkOrder)) == totals
    assert db.session.scalar(select(func.count()).select_from(Warehouse).filter_by(name="Demo Plant")) == 1


def test_the_demo_plants_kpis_are_believable(app, demo_plant):
    """Issue 7, item 14: no 0 % availability from a months-old open order; every figure a number."""
    from portal.services.common.actor import Actor
    from portal.services.planning.kpis import planning_kpis
    from portal.services.reporting import kpis

    demo = db.session.scalars(select(Warehouse).filter_by(name="Demo Plant")).one()
    manager = db.session.scalars(select(User).where(User.warehouse_id == demo.id, User.role == "manager")).first()
    k = kpis.kpis(Actor.of(manager), 30)
    assert 2 <= k["failures"] <= 10 and k["repairs"] >= 2
    assert 1 <= k["mttr_hours"] <= 12 and k["mtbf_hours"] > 1000
    assert 99 <= k["availability"] < 100
    assert 40 <= k["planned_maintenance_percentage"] <= 90
    assert all(row["availability"] >= 90 for row in k["assets"])
    assert sum(1 for row in k["assets"] if row["downtime_hours"]) >= 3
    # Issue 22: PM compliance from the demo's PM history (it showed "–", 0 of 0: every PM work order
    # was due in the future, the scheduler never having run over the templates' past).
    compliance = kpis.pm_compliance(Actor.of(manager), 30)
    assert compliance["due"] >= 4 and 50 <= compliance["compliance"] <= 100
    assert compliance["completed_late"] + compliance["open"] >= 1  # something for the records to show
    year = kpis.pm_compliance(Actor.of(manager), 365)
    assert year["due"] >= 12 and year["completed_on_time"] > year["completed_late"]
    # Issue 23: a year of failures in which a few assets dominate (bad actors) and a few modes (Pareto).
    from portal.services.reporting import bad_actors

    bad = bad_actors.bad_actors(Actor.of(manager), 365)
    costs = [row["cost"] for row in bad["by_cost"]]
    assert len(costs) == 5 and costs == sorted(costs, reverse=True) and costs[-1] > 0
    assert all(row["labor_cost"] > 0 and row["top_failure_modes"] for row in bad["by_cost"][:3])
    assert {row["asset_tag"] for row in bad["by_failures"][:4]} == {"COMP-103", "CONV-105", "PUMP-106", "MOTOR-102"}
    pareto = bad["pareto"]
    assert pareto["total"] >= 30 and 2 <= pareto["vital_few"] <= len(pareto["items"]) - 2
    assert pareto["items"][0]["share"] >= 25 and pareto["items"][2]["cumulative_share"] >= 60
    plan = planning_kpis(Actor.of(manager), 30)
    # A plant that plans every week: most hours on the plan, some break-in, compliance short of perfect.
    assert plan["weeks"] >= 3 and 5 <= plan["break_in_share"] <= 40 and 50 <= plan["schedule_compliance"] < 100
    assert 30 <= plan["planned_work_percent"] <= 90 and plan["backlog_crew_weeks"] > 0


def test_seed_demo_if_empty_leaves_a_real_database_alone(runner, app, users):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert db.session.scalars(select(Warehouse).filter_by(name="Demo Plant")).first() is None


def test_demo_users_can_log_in_with_the_printed_code(runner, client, app, demo_plant):
    result = runner.invoke(args=["demo-code", "tech@demo.maintainpro.test"])
    assert result.exit_code == 0, result.output
    code = result.output.strip()
    assert re.fullmatch(r"\d{6}", code)
    r = client.post("/api/auth/login", json={"email": "tech@demo.maintainpro.test", "password": "demo-password",
                                             "mfaToken": code})
    assert r.status_code == 200, r.json
    assert r.json["user"]["role"] == "technician"


def test_demo_code_is_refused_for_real_users(runner, app, users):
    result = runner.invoke(args=["demo-code", "manager@north.example.com"])
    assert result.exit_code == 1
    assert "not a demo user" in result.output
    assert not re.search(r"^\d{6}$", result.output, re.M)
    unknown = runner.invoke(args=["demo-code", "ghost@nowhere.example.com"])
    assert unknown.exit_code == 1


def test_demo_code_is_refused_in_production(app):
    production = make_app(ENV_NAME="production")
    with production.app_context():
        auth_service.create_user("tech@demo.maintainpro.test", "demo-password", "technician", "Demo Plant",
                                 is_demo=True)
        user = db.session.scalars(select(User).filter_by(email="tech@demo.maintainpro.test")).one()
        result = production.test_cli_runner().invoke(args=["demo-code", user.email])
        assert result.exit_code == 1
        assert "production" in result.output
        assert pyotp.TOTP(user.totp_secret).at(utcnow()) not in result.output
        db.session.remove()
        db.engine.dispose()
