"""`/kpis`: the KPI dashboard. Same figures as /api/kpis and /api/pm-compliance for the same period and
for the previous one, roles, the period parameter, fragment vs page, bounded queries."""
from __future__ import annotations

import re
from datetime import timedelta

import factories
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event
from test_kpis import kpi_fixture

from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.services.reporting import kpis as kpi_service


def _figure(html: str, key: str) -> str:
    part = html.split(f'id="figure-{key}">')[1].split("</li>")[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part)).strip()


def test_manager_sees_the_dashboard_with_the_api_figures(client, users, auth, portal_login):
    now = utcnow()
    kpi_fixture(users, now)
    portal_login(users["north"]["manager"])
    r = client.get("/kpis?days=30")
    assert r.status_code == 200 and "HX-Request" in r.headers["Vary"]
    html = r.get_data(as_text=True)
    api = client.get("/api/kpis?days=30", headers=auth("north", "manager")).get_json()
    assert api["mttrHours"] == 91.33
    assert _figure(html, "mttr-hours").startswith("MTTR 91.3 h")
    assert _figure(html, "mtbf-hours").startswith(f"MTBF {api['mtbfHours']:,.1f} h")
    assert _figure(html, "availability").startswith(f"Availability {api['availability']:.1f} %")
    assert _figure(html, "planned-maintenance-percentage").startswith(
        f"Planned maintenance {api['plannedMaintenancePercentage']:.1f} %")
    assert _figure(html, "backlog").startswith(f"Backlog {api['backlog']['open']}")
    assert "1 overdue" in _figure(html, "backlog")
    # The definitions come from services/kpis.FIGURES, also in the OpenAPI document.
    for figure in kpi_service.FIGURES.values():
        assert figure.definition.replace("'", "&#39;") in html
    assert 'role="img"' in html and "<desc id=\"chart-flow-d\">" in html and "<details" in html
    assert 'aria-current="page">KPIs</a>' in html  # the nav link, current


def test_figures_equal_the_api_for_this_and_the_previous_period(app, users, auth, client):
    """dashboard() = kpis()/pm_compliance() now and `days` earlier; the API answers the same numbers."""
    from portal.schemas.kpis import KpisOut
    from portal.schemas.pm import ComplianceOut

    now = utcnow()
    kpi_fixture(users, now)
    m = users.actor("north", "manager")
    d = kpi_service.dashboard(m, 30, now=now)
    api = client.get("/api/kpis?days=30", headers=auth("north", "manager")).get_json()
    mine = KpisOut.dump(d["kpis"])
    for key in ("mttrHours", "mtbfHours", "availability", "plannedMaintenancePercentage", "backlog", "failures"):
        assert mine[key] == api[key], key
    previous = KpisOut.dump(kpi_service.kpis(m, 30, now=now - timedelta(days=30)))
    # The previous period is computed for its headline figures only (no asset rows, weeks or response
    # time): those equal the full answer's.
    headline = KpisOut.dump(d["previous_kpis"])
    left_out = {"assets", "topAssets", "workOrdersPerWeek", "meanResponseHours", "responses", "assetLimit"}
    assert {k: v for k, v in headline.items() if k not in left_out} == \
        {k: v for k, v in previous.items() if k not in left_out}
    assert headline["assets"] == headline["workOrdersPerWeek"] == [] and headline["assetsWithDowntime"] == 1
    # Hand-computed previous window [N-60d, N-30d]: #4 (PUMP-B) went down at N-40d, still down at N-30d.
    assert previous["failures"] == 1 and previous["repairs"] == 0 and previous["mttrHours"] is None
    assert previous["availability"] == round((3 * 720 - 240) / 2160 * 100, 2)
    # The previous period's backlog: open at N-30d (#4 only, created N-40d, completed N-29d).
    assert previous["backlog"]["open"] == 1
    compliance = client.get("/api/pm-compliance?days=30", headers=auth("north", "manager")).get_json()
    assert ComplianceOut.dump(d["compliance"])["compliance"] == compliance["compliance"]
    figures = {f["key"]: f for f in d["figures"]}
    assert figures["mttr_hours"]["value"] == 91.33 and figures["mttr_hours"]["previous"] is None
    assert figures["mttr_hours"]["direction"] is None and figures["mttr_hours"]["verdict"] is None
    # Availability rose 88.89 -> 92.87 %: better; backlog rose 1 -> 2: worse (lower is better).
    assert figures["availability"]["value"] == 92.87 and figures["availability"]["previous"] == 88.89
    assert figures["availability"]["direction"] == "up" and figures["availability"]["verdict"] == "better"
    assert figures["backlog"]["value"] == 2 and figures["backlog"]["previous"] == 1
    assert figures["backlog"]["direction"] == "up" and figures["backlog"]["verdict"] == "worse"
    assert figures["backlog"]["change"] == 1


@pytest.mark.parametrize("better, change, verdict", [
    ("lower", -1.5, "better"), ("lower", 2.0, "worse"), ("higher", 3.0, "better"), ("higher", -0.5, "worse")])
def test_a_change_is_good_or_bad_by_the_figure(better, change, verdict):
    figure = kpi_service.Figure("x", "X", "h", better, "")
    result = kpi_service._change(figure, 10 + change, 10)
    assert result["verdict"] == verdict and result["direction"] == ("up" if change > 0 else "down")
    assert kpi_service._change(figure, 4.0, 4.0) == {"change": 0, "direction": "same", "verdict": "same"}


def test_page_shows_the_change_with_arrow_and_words(client, users, portal_login):
    now = utcnow()
    kpi_fixture(users, now)
    portal_login(users["north"]["admin"])  # admins too
    html = client.get("/kpis?days=30").get_data(as_text=True)
    backlog = html.split('id="figure-backlog"')[1].split("</li>")[0]
    assert 'class="figure worse"' in html.split('id="figure-backlog"')[0][-60:]
    assert '<span aria-hidden="true">▲</span>' in backlog and "up 1" in backlog and "<strong>worse</strong>" in backlog
    assert "(before: 1)" in backlog
    assert "no comparison" in _figure(html, "mttr-hours")


@pytest.mark.parametrize("role", ["technician", "requester"])
def test_technicians_and_requesters_get_403_and_no_nav_link(client, users, portal_login, role):
    portal_login(users["north"][role])
    r = client.get("/kpis")
    assert r.status_code == 403
    assert "cannot see the KPIs" in r.get_data(as_text=True)
    assert client.get("/kpis", headers={"HX-Request": "true"}).status_code == 403
    assert "/kpis" not in client.get("/").get_data(as_text=True)


def test_anonymous_is_sent_to_login(client):
    r = client.get("/kpis?days=7")
    assert r.status_code == 302 and "/login?next=" in r.headers["Location"]


@pytest.mark.parametrize("query", ["days=8", "days=0", "days=abc", "days=3650", "days=30&foo=1"])
def test_period_must_be_one_offered(client, users, portal_login, query):
    portal_login(users["north"]["manager"])
    r = client.get(f"/kpis?{query}")
    assert r.status_code == 400
    assert "Not found" not in r.get_data(as_text=True)


def test_period_selector_fragment_vs_page(client, users, portal_login):
    portal_login(users["north"]["manager"])
    page = client.get("/kpis?days=90").get_data(as_text=True)
    assert "<html" in page and 'id="dashboard"' in page
    assert 'id="period-90" class="period-link"' in page
    assert re.search(r'id="period-90"[^>]*aria-current="page"', page)
    assert 'hx-push-url="true"' in page and 'hx-target="#dashboard"' in page
    assert 'hx-swap-oob' not in page  # the status line is only swapped in by htmx
    r = client.get("/kpis?days=7", headers={"HX-Request": "true"})
    frag = r.get_data(as_text=True)
    assert r.status_code == 200 and "HX-Request" in r.headers["Vary"]
    assert "<html" not in frag and frag.lstrip().startswith('<section id="dashboard"')
    assert re.search(r'id="period-7"[^>]*aria-current="page"', frag)
    assert '<p id="kpi-status" hx-swap-oob="innerHTML">Showing the last 7 days.</p>' in frag
    # A boosted navigation gets the whole page.
    boosted = client.get("/kpis?days=7", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_default_period_is_30_days_and_empty_states(client, users, portal_login):
    portal_login(users["north"]["manager"])
    html = client.get("/kpis").get_data(as_text=True)
    assert re.search(r'id="period-30"[^>]*aria-current="page"', html)
    assert "No downtime recorded in this period" in html
    assert "No PM work order was due" in html


def test_other_warehouse_data_never_shows(client, users, portal_login):
    kpi_fixture(users, utcnow())  # all in North
    portal_login(users["south"]["manager"])
    html = client.get("/kpis?days=30").get_data(as_text=True)
    assert "PUMP-B" not in html
    assert _figure(html, "backlog").startswith("Backlog 0")


def test_query_count_does_not_grow_with_rows(client, users, portal_login):
    manager = users.actor("north", "manager")
    portal_login(users["north"]["manager"])

    def count_queries() -> int:
        client.get("/kpis?days=90")  # uncounted: the header's counts kept in Redis, as after any earlier page
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/kpis?days=90").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    pump = factories.equipment(manager)
    factories.work_order(manager, equipmentId=pump.id, equipmentDown=True)
    few = count_queries()
    for _ in range(6):
        wo = factories.work_order(manager, equipmentId=factories.equipment(manager).id, equipmentDown=True)
        factories.move_to(manager, wo.id, "in_progress", "completed")
    assert count_queries() == few
    assert few <= 48  # the dashboard, its series, the PM look-ahead, the weekly plan's card and the bad actors (GROUP BYs)


def test_chart_geometry():
    from portal.web.charts import Series, horizontal_bars, nice_max, week_bars

    assert nice_max(0) == (1.0, 1.0) and nice_max(6) == (6.0, 2.0) and nice_max(37) == (40.0, 10.0)
    chart = week_bars(["2 Jun", "9 Jun", "16 Jun"], [Series("Opened", "opened", [0, 4, 2]),
                                                     Series("PM", "compliance", [None, 1, 3])])
    bottom = chart.plot["bottom"]
    bars = {b["title"]: b for b in chart.bars}
    assert bars["9 Jun: Opened 4"]["y"] == chart.plot["top"] and bars["2 Jun: Opened 0"]["h"] == 0
    assert bars["2 Jun: PM: none"]["css"] == "none"  # nothing to measure: a dash, not a zero bar
    assert round(bars["16 Jun: Opened 2"]["h"] * 2, 1) == round(bottom - chart.plot["top"], 1)
    assert [t["text"] for t in chart.ticks] == ["0", "1", "2", "3", "4"]
    many = week_bars([str(i) for i in range(53)], [Series("Opened", "opened", [1] * 53)])
    assert len(many.labels) <= 8 and len(many.bars) == 53
    top = horizontal_bars(["PUMP-B", "PUMP-A"], [144.0, 10.0])
    assert [label["text"] for label in top.labels] == ["PUMP-B", "144.0 h", "PUMP-A", "10.0 h"]
    assert top.bars[0]["w"] > top.bars[1]["w"] * 14


def test_downtime_chart_is_drawn_with_its_table(client, users, portal_login):
    kpi_fixture(users, utcnow())
    portal_login(users["north"]["manager"])
    html = client.get("/kpis?days=30").get_data(as_text=True)
    svg = html.split('aria-labelledby="chart-downtime-t chart-downtime-d"')[1].split("</svg>")[0]
    assert '<desc id="chart-downtime-d">PUMP-B 144.0 h; PUMP-A 10.0 h</desc>' in svg
    assert svg.count('<rect class="cbar downtime"') == 2
    table = html.split('id="chart-downtime-cap"')[1].split("</table>")[0]
    assert '<th scope="row">PUMP-B</th><td>144.0 h</td><td>1</td><td>80.0 %</td>' in table


def test_each_card_opens_the_records_behind_it(client, users, portal_login):
    """Issue 22, item 6: a card links to its records with the same period; the list's count is the card's."""
    kpi_fixture(users, utcnow())
    portal_login(users["north"]["manager"])
    page = BeautifulSoup(client.get("/kpis?days=90").get_data(as_text=True), "html.parser")
    links = {a.find_parent("li")["id"]: a["href"] for a in page.select("a.figure-open")}
    assert links == {
        "figure-mttr-hours": "/kpis/mttr?days=90", "figure-mtbf-hours": "/kpis/mtbf?days=90",
        "figure-availability": "/kpis/availability?days=90",
        "figure-planned-maintenance-percentage": "/kpis/planned-maintenance?days=90",
        "figure-pm-compliance": "/kpis/pm-compliance?days=90", "figure-backlog": "/kpis/backlog?days=90"}
    repairs = BeautifulSoup(client.get("/kpis/mttr?days=30").get_data(as_text=True), "html.parser")
    assert repairs.h1.get_text(" ", strip=True) == "Repairs behind MTTR"
    assert "3 repairs" in repairs.select_one("#kpi-sum").get_text(" ", strip=True)
    assert "MTTR = 274.0 h ÷ 3 = 91.3 h" in repairs.select_one("#kpi-sum").get_text(" ", strip=True)
    assert len(repairs.select("tr.record")) == 3
    assert repairs.select_one("nav.periods a[aria-current=page]").get_text(strip=True) == "30 days"
    backlog = BeautifulSoup(client.get("/kpis/backlog?days=30&outcome=overdue").get_data(as_text=True), "html.parser")
    rows = backlog.select("tr.record")
    assert len(rows) == 1 and rows[0]["class"] == ["record", "outcome-overdue"]
    assert rows[0].select_one("a")["href"].startswith("/work-orders/")
    # A stale filter shows the whole list; a period the dashboard does not offer is a 400; other roles 403.
    assert len(BeautifulSoup(client.get("/kpis/backlog?outcome=late").get_data(as_text=True),
                             "html.parser").select("tr.record")) == 2
    assert client.get("/kpis/backlog?days=12").status_code == 400
    assert client.get("/kpis/nothing").status_code == 404
    portal_login(users["north"]["technician"])
    assert client.get("/kpis/backlog").status_code == 403
    portal_login(users["south"]["manager"])
    assert "Nothing in this period" in client.get("/kpis/mttr").get_data(as_text=True)


def test_a_year_is_charted_by_month_a_week_by_day(client, users, portal_login):
    portal_login(users["north"]["manager"])
    year = BeautifulSoup(client.get("/kpis?days=365").get_data(as_text=True), "html.parser")
    flow = year.select_one("#chart-flow-cap").find_parent("figure")
    assert flow.figcaption.get_text(strip=True) == "Work orders opened and completed per month"
    assert flow.select_one("thead th").get_text(strip=True) == "Month"
    assert len(flow.select("tbody tr")) == 13 and len(flow.select("rect.cbar")) == 26
    week = BeautifulSoup(client.get("/kpis?days=7").get_data(as_text=True), "html.parser")
    assert week.select_one("#chart-flow-cap").get_text(strip=True).endswith("per day")
    assert len(week.select_one("#chart-flow-cap").find_parent("figure").select("tbody tr")) == 8


def test_nothing_due_says_what_is_scheduled_ahead(client, users, portal_login):
    """A plant whose PMs are all ahead is not a plant without PM (the demo showed "–", 0 of 0)."""
    from portal.schemas.pm import PMTemplateCreate
    from portal.services.pm import scheduler as pm_scheduler
    from portal.services.pm import templates as pm_templates

    m = users.actor("north", "manager")
    pump = factories.equipment(m)
    pm_templates.create_template(m, PMTemplateCreate.model_validate({
        "name": "Monthly pump check", "frequencyType": "calendar", "frequency": 30, "leadDays": 7,
        "startDate": utcnow() - timedelta(days=27), "equipmentIds": [pump.id]}), now=utcnow() - timedelta(days=60))
    assert pm_scheduler.schedule_due(utcnow())["created"] == 1  # due in 3 days
    portal_login(users["north"]["manager"])
    card = _figure(client.get("/kpis").get_data(as_text=True), "pm-compliance")
    assert card.startswith("PM compliance –") and "None due in this period; 1 scheduled ahead, the next due" in card
