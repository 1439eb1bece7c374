"""Weekly trends (services/kpis.trends, GET /api/kpis/trends) against hand-computed fixtures.

compliance_fixture (test_kpis.py), now = Tue 2026-06-30 12:00 UTC, 30 days: the window starts Sun May 31
12:00, so the weeks (Monday 00:00 UTC) are May 25, Jun 1, 8, 15, 22 and 29.
  PM due (cancelled left out):  T1/A Jun 5 (on time), T1/B Jun 10 (open), T1/A Jun 20 (late), T2/C Jun 28 (on time)
    -> due      0, 1, 1, 1, 1, 0;   on time 0, 1, 0, 0, 1, 0;   compliance null, 100, 0, 0, 100, null
kpi_fixture: opened and completed per week as in test_kpis (its workOrdersPerWeek), no PM at all.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event
from test_kpis import FIXED_NOW, compliance_fixture, kpi_fixture

from portal.platform.extensions import db
from portal.schemas.kpis import TrendsOut
from portal.services.reporting import kpis as kpi_service


def _weeks(r: dict) -> list[tuple]:
    return [(w["weekStart"][:10], w["opened"], w["completed"], w["pmDue"], w["pmCompletedOnTime"], w["pmCompliance"])
            for w in r["weeks"]]


def test_weekly_pm_compliance_matches_the_hand_computed_fixture(app, users):
    compliance_fixture(users, FIXED_NOW)
    m = users.actor("north", "manager")
    r = TrendsOut.dump(kpi_service.trends(m, 30, now=FIXED_NOW))
    assert r["from"] == "2026-05-31T12:00:00.000Z" and r["to"] == "2026-06-30T12:00:00.000Z"
    assert [(w[0], w[3], w[4], w[5]) for w in _weeks(r)] == [
        ("2026-05-25", 0, 0, None),
        ("2026-06-01", 1, 1, 100.0),
        ("2026-06-08", 1, 0, 0.0),
        ("2026-06-15", 1, 0, 0.0),
        ("2026-06-22", 1, 1, 100.0),
        ("2026-06-29", 0, 0, None),
    ]
    # The weeks add up to the period's compliance (same definition, same rows).
    total = kpi_service.pm_compliance(m, 30, now=FIXED_NOW)
    assert sum(w[3] for w in _weeks(r)) == total["due"] == 4
    assert sum(w[4] for w in _weeks(r)) == total["completed_on_time"] == 2


def test_weekly_opened_and_completed_with_empty_weeks_as_zeros(app, users):
    """kpi_fixture: the same weeks as /api/kpis' workOrdersPerWeek; the first week has nothing: zeros."""
    kpi_fixture(users, FIXED_NOW)
    m = users.actor("north", "manager")
    r = TrendsOut.dump(kpi_service.trends(m, 30, now=FIXED_NOW))
    assert [w[:3] for w in _weeks(r)] == [
        ("2026-05-25", 0, 0), ("2026-06-01", 0, 1), ("2026-06-08", 1, 1),
        ("2026-06-15", 2, 2), ("2026-06-22", 3, 1), ("2026-06-29", 1, 0)]
    assert all(w[3:] == (0, 0, None) for w in _weeks(r))  # no PM work orders in this fixture
    per_week = kpi_service.kpis(m, 30, now=FIXED_NOW)["work_orders_per_week"]
    assert [(w["opened"], w["completed"]) for w in per_week] == [(w[1], w[2]) for w in _weeks(r)]


def test_a_year_of_weeks_from_an_empty_warehouse(app, users):
    r = TrendsOut.dump(kpi_service.trends(users.actor("south", "manager"), 365, now=FIXED_NOW))
    assert len(r["weeks"]) == 53  # Mon 2025-06-30 .. Mon 2026-06-29
    assert r["weeks"][0]["weekStart"] == "2025-06-30T00:00:00.000Z"
    assert r["weeks"][-1]["weekStart"] == "2026-06-29T00:00:00.000Z"
    assert {(w["opened"], w["completed"], w["pmDue"], w["pmCompliance"]) for w in r["weeks"]} == {(0, 0, 0, None)}


def test_one_query_per_series_whatever_the_weeks(app, users):
    kpi_fixture(users, FIXED_NOW)
    m = users.actor("north", "manager")
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    for days in (7, 365):
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            kpi_service.trends(m, days, now=FIXED_NOW, pm_grace="dueDate")  # (else +1: the warehouse's rule)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        # PM due and on time; the whole days' rows (services/reporting/days.py); opened and completed
        # at the window's two partial days.
        assert len(statements) == 4, statements


def test_trends_over_http(client, auth, users):
    compliance_fixture(users, FIXED_NOW - timedelta(days=1))
    r = client.get("/api/kpis/trends?days=90", headers=auth("north", "manager"))
    assert r.status_code == 200, r.json
    assert r.json["days"] == 90 and len(r.json["weeks"]) in (13, 14)  # 91 days touch 14 Monday-weeks, or 13 when the first is a Monday
    assert set(r.json["weeks"][0]) == {"weekStart", "opened", "completed", "pmDue", "pmCompletedOnTime",
                                       "pmCompliance"}
    south = client.get("/api/kpis/trends?days=90", headers=auth("south", "manager")).json
    assert {w["opened"] for w in south["weeks"]} == {0}  # North's work orders never show


@pytest.mark.parametrize("role, status", [("admin", 200), ("technician", 403), ("requester", 403)])
def test_trends_roles(client, auth, role, status):
    r = client.get("/api/kpis/trends", headers=auth("north", role))
    assert r.status_code == status
    if status == 403:
        assert r.json["message"] == f"{role.capitalize()}s cannot see the KPIs"


@pytest.mark.parametrize("query", ["days=0", "days=3651", "days=x", "dayz=3"])
def test_trends_validation(client, auth, query):
    r = client.get(f"/api/kpis/trends?{query}", headers=auth("north", "manager"))
    assert r.status_code == 400 and r.json["errors"][0]["field"] in ("days", "dayz")


def test_trends_in_the_openapi_document(client):
    spec = client.get("/api/openapi.json").get_json()
    op = spec["paths"]["/api/kpis/trends"]["get"]
    assert "pmDue" in str(spec["components"]) and "Every week" in str(spec["components"])
    assert kpi_service.FIGURES["pm_compliance"].definition in op["description"]
    kpis = spec["paths"]["/api/kpis"]["get"]
    assert kpis["responses"]["200"]
