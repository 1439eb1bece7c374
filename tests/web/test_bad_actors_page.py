"""Issue 23 in the portal: the KPI page's "Bad actors" (top assets by cost, why, the Pareto chart and its
table), an asset's row opened (its work orders with failure codes), the weekly plan's figures opened, and
the Plan link in the navigation."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from test_bad_actors import fixture
from test_plan_drilldown import plan_fixture

from portal.models import DowntimePeriod, LaborEntry, WorkOrder
from portal.models.types import utcnow
from portal.platform.database import unit_of_work


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def recent(users) -> dict[str, str]:
    """The bad actors' fixture moved to now (the page's window ends now): everything shifts by now - N."""
    from test_bad_actors import N

    ids = fixture(users)
    shift = utcnow() - N
    with unit_of_work() as s:
        for model, columns in ((WorkOrder, ("created_at",)), (DowntimePeriod, ("started_at", "ended_at")),
                               (LaborEntry, ("performed_at",))):
            for row in s.query(model).all():
                for column in columns:
                    if getattr(row, column) is not None:
                        setattr(row, column, getattr(row, column) + shift)
        from portal.models import PartConsumption
        for row in s.query(PartConsumption).all():
            row.consumed_at = row.consumed_at + shift + timedelta(minutes=1)  # safely inside the window
    return ids


def test_the_dashboard_names_the_costliest_assets_and_why(client, users, portal_login):
    ids = recent(users)
    portal_login(users["north"]["manager"])
    # The dashboard holds a placeholder that loads the section (and links to it without JavaScript).
    placeholder = soup(client.get("/kpis?days=30")).select_one("#bad-actors")
    assert placeholder["hx-get"] == "/kpis/bad-actors?days=30" and placeholder["hx-trigger"] == "load"
    assert placeholder.a["href"] == "/kpis/bad-actors?days=30"
    fragment = client.get("/kpis/bad-actors?days=30", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    page = soup(client.get("/kpis/bad-actors?days=30"))  # the page of its own, as without JavaScript
    assert page.select_one("h1").get_text(" ", strip=True).startswith("Bad actors")
    for section in (soup(fragment).select_one("#bad-actors"), page.select_one("#bad-actors")):
        assert section.select(".bad-actor-table tbody tr")
    section = page.select_one("#bad-actors")
    rows = section.select(".bad-actor-table tbody tr")
    assert [r.th.get_text(strip=True).split(":")[0] for r in rows] == ["M1", "P1", "P2"]
    assert "180.00" in rows[1].get_text() and "Vibration ×2, External leakage ×1" in rows[1].get_text()
    assert rows[1].th.a["href"] == f"/kpis/bad-actors/{ids['P1']}?days=30"
    # The Pareto: an SVG named and described, the vital few in their colour, a table beside it.
    svg = section.select_one("#chart-pareto-cap").find_parent("figure").svg
    assert svg["role"] == "img" and "6 coded failures in 3 failure modes" in svg.desc.get_text()
    assert [b["class"][1] for b in svg.select("rect.cbar")] == ["vital", "vital", "trivial"]
    table = section.select_one(".chart-data table")
    assert [tr.get_text(" ", strip=True) for tr in table.select("tbody tr")][0] == "VIB Vibration 3 50.0 % 50.0 % yes"
    assert "S1" not in section.get_text()  # another warehouse's asset


def test_an_asset_row_opens_its_work_orders_with_failure_codes(client, users, portal_login):
    ids = recent(users)
    portal_login(users["north"]["manager"])
    page = soup(client.get(f"/kpis/bad-actors/{ids['P1']}?days=30"))
    assert "180.00" in page.select_one("#kpi-sum").get_text()
    rows = [" ".join(tr.get_text(" ").split()) for tr in page.select("tbody tr")]
    assert len(rows) == 4 and "VIB Vibration WEAR Wear" in rows[0] and rows[0].endswith("100.00 50.00 150.00")
    assert client.get(f"/kpis/bad-actors/{ids['S1']}?days=30").status_code == 404  # another warehouse's
    assert client.get(f"/kpis/bad-actors/{ids['P1']}?days=12").status_code == 400
    portal_login(users["north"]["technician"])
    assert client.get(f"/kpis/bad-actors/{ids['P1']}?days=30").status_code == 403


def test_the_plan_figures_open_their_records(client, users, portal_login):
    plan_fixture(users)
    portal_login(users["north"]["manager"])
    page = soup(client.get("/kpis?days=365"))
    links = {a["href"] for a in page.select(".plan-kpis a.plan-open")}
    assert links == {f"/kpis/{slug}?days=365" for slug in
                     ("schedule-compliance", "break-in", "planned-work", "backlog-crew-weeks")}
    body = soup(client.get("/kpis/schedule-compliance?days=365"))
    assert [tr.th.get_text(" ", strip=True).split(" ", 1)[1] for tr in body.select("tbody tr")] == ["A", "B", "C"]
    assert "done as scheduled" in body.select_one("#kpi-sum").get_text()
    done = soup(client.get("/kpis/schedule-compliance?days=365&outcome=not_done"))
    assert len(done.select("tbody tr")) == 1
    backlog = soup(client.get("/kpis/backlog-crew-weeks?days=365"))
    assert [re.sub(r"\s+", " ", td.get_text(strip=True)) for td in backlog.select("td[data-label=Estimate].num")] == [
        "50 h", "4 h", "3 h"]
    assert len(soup(client.get("/kpis/planned-work?days=365")).select("tbody tr")) == 3
    assert len(soup(client.get("/kpis/break-in?days=365")).select("tbody tr")) == 1


@pytest.mark.parametrize("role, shown", [("manager", True), ("admin", True), ("technician", False)])
def test_plan_link_in_the_navigation(client, users, portal_login, role, shown):
    portal_login(users["north"][role])
    nav = soup(client.get("/"))
    assert ("/planner" in [a["href"] for a in nav.select("nav .nav a")]) is shown
    if shown:
        current = soup(client.get("/planner")).select_one("nav .nav a[aria-current=page]")
        assert current.get_text(strip=True) == "Plan"
