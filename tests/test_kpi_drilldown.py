"""Issue 22, item 6: the records behind each KPI figure (services/reporting/drilldown.py) agree with
the figure: same window, same criteria, the card's count from the list's own summary."""
from __future__ import annotations

import pytest
from test_kpis import FIXED_NOW, compliance_fixture, kpi_fixture

from portal.models.types import utcnow
from portal.services.common.errors import Forbidden, NotFound, ValidationFailed
from portal.services.reporting import drilldown
from portal.services.reporting import kpis as kpi_service


def test_downtime_backlog_and_labor_records_add_up_to_the_figures(app, users):
    ids = kpi_fixture(users, FIXED_NOW)
    m = users.actor("north", "manager")
    k = kpi_service.kpis(m, 30, now=FIXED_NOW)

    failures = drilldown.records(m, "mtbf_hours", 30, now=FIXED_NOW)
    assert failures.kind == "downtime" and failures.total == k["failures"] == 3
    assert all(failures.from_ <= r["started_at"] <= FIXED_NOW for r in failures.items)
    repairs = drilldown.records(m, "mttr_hours", 30, now=FIXED_NOW)
    assert repairs.total == k["repairs"] == 3 and repairs.summary["mttr_hours"] == k["mttr_hours"] == 91.33
    assert sorted(r["hours"] for r in repairs.items) == [4.0, 6.0, 264.0]  # B's period began before the window
    down = drilldown.records(m, "availability", 30, now=FIXED_NOW)
    # PUMP-B's open period (still down) runs to the window's end; the sum inside the window is the fleet's downtime.
    assert sum(r["hours_in_period"] for r in down.items) == sum(a["downtime_hours"] for a in k["assets"]) == 154.0
    assert [r["asset_tag"] for r in down.items if r["ongoing"]] == ["PUMP-B"]
    assert {r["equipment_id"] for r in down.items} == {ids["A"], ids["B"]}

    backlog = drilldown.records(m, "backlog", 30, now=FIXED_NOW)
    assert backlog.total == backlog.summary["open"] == k["backlog"]["open"] == 2
    assert backlog.summary["overdue"] == k["backlog"]["overdue"] == 1
    assert [r["outcome"] for r in backlog.items] == ["overdue", "open"]  # the overdue one first
    overdue = drilldown.records(m, "backlog", 30, now=FIXED_NOW, outcome="overdue")
    assert overdue.total == 1 and overdue.items[0]["id"] == backlog.items[0]["id"]

    labor = drilldown.records(m, "planned_maintenance_percentage", 30, now=FIXED_NOW)
    assert (labor.summary["preventive_minutes"], labor.summary["minutes"]) == (
        k["preventive_labor_minutes"], k["labor_minutes"]) == (120, 210)
    assert sum(r["labor_minutes"] for r in labor.items) == 210  # the 999 minutes booked before the window are out
    assert [r["labor_minutes"] for r in labor.items] == [120, 60, 30]
    preventive = drilldown.records(m, "planned_maintenance_percentage", 30, now=FIXED_NOW, outcome="preventive")
    assert [r["type"] for r in preventive.items] == ["preventive"]


def test_pm_compliance_records_give_each_outcome(app, users):
    compliance_fixture(users, FIXED_NOW)
    m = users.actor("north", "manager")
    c = kpi_service.pm_compliance(m, 30, now=FIXED_NOW)
    r = drilldown.records(m, "pm_compliance", 30, now=FIXED_NOW)
    assert r.summary == {"due": c["due"], "on_time": c["completed_on_time"], "late": c["completed_late"],
                         "open": c["open"], "overdue": c["overdue"]} == {
        "due": 4, "on_time": 2, "late": 1, "open": 1, "overdue": 1}
    assert r.total == 4 and sorted(i["outcome"] for i in r.items) == ["late", "on_time", "on_time", "overdue"]
    assert all(i["status"] != "cancelled" for i in r.items)
    assert [i["due_date"] for i in r.items] == sorted((i["due_date"] for i in r.items), reverse=True)
    for outcome, n in (("on_time", 2), ("late", 1), ("open", 1), ("overdue", 1)):
        page = drilldown.records(m, "pm_compliance", 30, now=FIXED_NOW, outcome=outcome)
        assert page.total == n and page.summary == r.summary  # the counts stay those of the whole window
    paged = drilldown.records(m, "pm_compliance", 30, now=FIXED_NOW, page=2, limit=3)
    assert (paged.total, len(paged.items), paged.last_page) == (4, 1, 2)


def test_records_are_the_warehouses_own_and_for_managers(app, users):
    kpi_fixture(users, FIXED_NOW)
    south = users.actor("south", "manager")
    for figure in drilldown.KINDS:
        assert drilldown.records(south, figure, 30, now=FIXED_NOW).total == 0, figure
    with pytest.raises(Forbidden):
        drilldown.records(users.actor("north", "technician"), "backlog", 30, now=FIXED_NOW)
    with pytest.raises(NotFound):
        drilldown.records(users.actor("north", "manager"), "work_orders_per_week", 30, now=FIXED_NOW)
    with pytest.raises(ValidationFailed):
        drilldown.records(users.actor("north", "manager"), "mttr_hours", 30, now=FIXED_NOW, outcome="late")


def test_charts_take_the_grain_of_their_period(app, users):
    """By day up to 14 days, by week up to 120, by month beyond: the same counts as trends() in every grain."""
    from portal.services.reporting import series

    kpi_fixture(users, FIXED_NOW)
    m = users.actor("north", "manager")
    weekly = kpi_service.trends(m, 30, now=FIXED_NOW)["weeks"]
    by_week = series.series(m, 30, now=FIXED_NOW)
    assert by_week["unit"] == "week"
    assert [{k: b[k] for k in ("opened", "completed", "pm_due", "pm_completed_on_time", "pm_compliance")}
            | {"week_start": b["start"]} for b in by_week["buckets"]] == weekly
    by_day = series.series(m, 7, now=FIXED_NOW)
    assert by_day["unit"] == "day" and len(by_day["buckets"]) == 8  # 7 days and the partial first one
    by_month = series.series(m, 365, now=FIXED_NOW)
    assert by_month["unit"] == "month" and len(by_month["buckets"]) == 13
    assert [b["start"].day for b in by_month["buckets"]] == [1] * 13
    assert by_month["buckets"][-1]["start"] == FIXED_NOW.replace(day=1, hour=0)
    year = kpi_service.trends(m, 365, now=FIXED_NOW)["weeks"]
    for key in ("opened", "completed"):
        assert sum(b[key] for b in by_month["buckets"]) == sum(w[key] for w in year) > 0, key


def test_the_api_gives_the_records_behind_a_figure(client, users, auth):
    kpi_fixture(users, utcnow())
    headers = auth("north", "manager")
    k = client.get("/api/kpis?days=30", headers=headers).get_json()
    r = client.get("/api/kpis/mttrHours/records?days=30", headers=headers)
    assert r.status_code == 200 and r.headers["X-Total-Count"] == str(k["repairs"]) == "3"
    rows = r.get_json()
    assert {row["kind"] for row in rows} == {"downtime_period"} and all(row["endedAt"] for row in rows)
    assert sum(row["hours"] for row in rows) / len(rows) == pytest.approx(k["mttrHours"], abs=0.01)
    backlog = client.get("/api/kpis/backlog/records?outcome=overdue&limit=1", headers=headers)
    (row,) = backlog.get_json()
    assert backlog.headers["X-Total-Count"] == "1" and (row["kind"], row["outcome"]) == ("work_order", "overdue")
    assert row["foNumber"] and row["startedAt"] is None
    paged = client.get("/api/kpis/availability/records?limit=1&page=2", headers=headers)
    assert len(paged.get_json()) == 1 and 'rel="next"' in paged.headers["Link"]
    # Refusals in the contract's format: an unknown figure 404, a wrong filter 422 (400 for a bad number),
    # a technician 403, another warehouse sees nothing.
    missing = client.get("/api/kpis/workOrdersPerWeek/records", headers=headers)
    assert missing.status_code == 404 and "backlog" in missing.get_json()["message"]
    bad = client.get("/api/kpis/mttrHours/records?outcome=late", headers=headers)
    assert bad.status_code in (400, 422) and bad.get_json()["errors"][0]["field"] == "outcome"
    assert client.get("/api/kpis/backlog/records?days=0", headers=headers).status_code in (400, 422)
    assert client.get("/api/kpis/backlog/records", headers=auth("north", "technician")).status_code == 403
    south = client.get("/api/kpis/backlog/records", headers=auth("south", "manager"))
    assert south.status_code == 200 and south.get_json() == [] and south.headers["X-Total-Count"] == "0"
