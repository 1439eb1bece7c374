"""`/kpis`: the KPI dashboard for managers and admins (services/kpis.dashboard, as the API's figures).

The period selector swaps `{% block dashboard %}` by htmx and pushes the URL; the same route
answers the whole page. Charts are SVG drawn on the server (charts.py).
"""
from __future__ import annotations

from datetime import datetime, tzinfo

from flask import abort, request
from flask_login import current_user, login_required

from portal.schemas.kpis import PERIODS, DashboardQuery
from portal.services.common.actor import Actor
from portal.services.planning.kpis import planning_kpis
from portal.services.reporting import kpis as kpi_service
from portal.web.blueprint import web
from portal.web.charts import Series, horizontal_bars, week_bars
from portal.web.forms import form_model
from portal.web.rendering import render, wants_fragment
from portal.web.timefmt import zone

PERIOD_NAMES = {7: "7 days", 30: "30 days", 90: "90 days", 365: "365 days"}


def day(value: datetime, tz: tzinfo) -> str:
    local = value.astimezone(tz)
    return f"{local.day} {local:%b %Y}"


def week_label(value: datetime) -> str:
    return f"{value.day} {value:%b}"  # weeks are Monday 00:00 UTC in the API: labelled in UTC too


def show(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "h":
        return f"{value:,.1f} h"
    return f"{value:,.0f}"


def show_change(change: float, unit: str) -> str:
    size = abs(change)
    # A change under 0.05 would read "down 0.0 pts, worse": show the two decimals the service kept.
    digits = 2 if 0 < size < 0.05 else 1
    return {"%": f"{size:.{digits}f} pts", "h": f"{size:,.{digits}f} h"}.get(unit, f"{size:,.0f}")


def _charts(data: dict) -> dict:
    weeks = data["trends"]["weeks"]
    labels = [week_label(w["week_start"]) for w in weeks]
    opened, completed = [w["opened"] for w in weeks], [w["completed"] for w in weeks]
    busiest = max(weeks, key=lambda w: w["opened"]) if weeks else None
    flow_summary = (f"{len(weeks)} weeks: {sum(opened)} work orders opened, {sum(completed)} completed."
                    + (f" Most opened in the week of {week_label(busiest['week_start'])} ({busiest['opened']})."
                       if busiest and busiest["opened"] else ""))
    compliance = [w["pm_compliance"] for w in weeks]
    measured = [c for c in compliance if c is not None]
    pm_summary = (f"{len(measured)} of {len(weeks)} weeks had PM due; compliance ranged from "
                  f"{min(measured):.0f} % to {max(measured):.0f} %."
                  if measured else f"No PM work order was due in these {len(weeks)} weeks.")
    top = [a for a in data["kpis"]["top_assets"] if a["downtime_hours"]]
    top_summary = ("; ".join(f"{a['asset_tag']} {a['downtime_hours']:,.1f} h" for a in top)
                   if top else "No recorded downtime in this period.")
    return {
        "flow": week_bars(labels, [Series("Opened", "opened", opened), Series("Completed", "completed", completed)]),
        "flow_summary": flow_summary,
        "pm": week_bars(labels, [Series("PM compliance", "compliance", compliance)], fixed_max=100, suffix="%"),
        "pm_summary": pm_summary,
        "top": horizontal_bars([a["asset_tag"] for a in top], [a["downtime_hours"] for a in top]) if top else None,
        "top_assets": top,
        "top_summary": top_summary,
    }


@web.get("/kpis")
@login_required
def kpis():
    query = form_model(DashboardQuery, request.args)
    if isinstance(query, dict):
        abort(400, description="; ".join(f"{field}: {message}" for field, message in query.items()))
    data = kpi_service.dashboard(Actor.of(current_user.user), query.days)  # 403 page below a manager
    tz = zone(current_user.warehouse.timezone)
    return render("kpis/index.html", block="dashboard", d=data, charts=_charts(data), tz=tz,
                  periods=PERIODS, period_names=PERIOD_NAMES, days=query.days, fragment=wants_fragment(),
                  day=day, show=show, show_change=show_change, week_label=week_label,
                  plan=planning_kpis(Actor.of(current_user.user), query.days))
