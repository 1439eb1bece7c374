"""`/kpis`: the KPI dashboard for managers and admins (services/kpis.dashboard, as the API's figures).

The period selector swaps `{% block dashboard %}` by htmx and pushes the URL; the same route
answers the whole page. Charts are SVG drawn on the server (charts.py).
"""
from __future__ import annotations

from datetime import datetime, tzinfo
from types import SimpleNamespace

from flask import abort, request
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from portal.models.types import utcnow
from portal.schemas.kpis import PERIODS, DashboardQuery
from portal.services.assets.lookup import asset_for_code
from portal.services.common.actor import Actor
from portal.services.planning.kpis import DEFINITIONS as PLAN_DEFINITIONS
from portal.services.planning.kpis import planning_kpis
from portal.services.reporting import bad_actors as bad_actor_service
from portal.services.reporting import drilldown
from portal.services.reporting import kpis as kpi_service
from portal.services.reporting import series as series_service
from portal.web.blueprint import web
from portal.web.charts import Series, horizontal_bars, pareto, week_bars
from portal.web.forms import form_model
from portal.web.rendering import render, wants_fragment
from portal.web.timefmt import zone

PERIOD_NAMES = {7: "7 days", 30: "30 days", 90: "90 days", 365: "365 days"}
# /kpis/<slug>: the records behind a figure (services/reporting/drilldown.py).
SLUGS = {"mttr": "mttr_hours", "mtbf": "mtbf_hours", "availability": "availability",
         "planned-maintenance": "planned_maintenance_percentage", "pm-compliance": "pm_compliance",
         "backlog": "backlog",
         # The weekly plan's figures (services/planning/records.py).
         "schedule-compliance": "schedule_compliance", "break-in": "break_in_share",
         "planned-work": "planned_work_percent", "backlog-crew-weeks": "backlog_crew_weeks"}
FIGURE_SLUGS = {figure: slug for slug, figure in SLUGS.items()}
# What the list behind each card is called, on the card's link and the page's title.
RECORD_NAMES = {"mttr_hours": "Repairs", "mtbf_hours": "Failures", "availability": "Downtime periods",
                "planned_maintenance_percentage": "Work orders with labor", "pm_compliance": "PM work orders due",
                "backlog": "Open work orders", "schedule_compliance": "Scheduled work",
                "break_in_share": "Break-in work", "planned_work_percent": "Work orders with labor",
                "backlog_crew_weeks": "Open work and its estimates"}
# The plan's figures as the records page names them (the dashboard's cards are kpis.FIGURES).
PLAN_FIGURES = {
    "schedule_compliance": SimpleNamespace(label="Schedule compliance", definition=PLAN_DEFINITIONS["scheduleCompliance"]),
    "break_in_share": SimpleNamespace(label="Break-in work", definition=PLAN_DEFINITIONS["breakInShare"]),
    "planned_work_percent": SimpleNamespace(label="Planned work", definition=PLAN_DEFINITIONS["plannedWorkPercent"]),
    "backlog_crew_weeks": SimpleNamespace(label="Backlog in crew-weeks", definition=PLAN_DEFINITIONS["backlogCrewWeeks"]),
}
OUTCOME_NAMES = {"on_time": "On time", "late": "Late", "open": "Open", "overdue": "Overdue",
                 "preventive": "Preventive", "other": "Other work", "done": "Done as scheduled",
                 "not_done": "Not done as scheduled", "planned": "Planned", "unplanned": "Unplanned",
                 "unestimated": "No estimate", "estimated": "Estimated", "break_in": "Break-in"}
BAD_ACTORS = 5  # the dashboard's top assets by cost
RECORDS_PER_PAGE = 50
GRACE_NAMES = {"dueDate": "By the due date", "oneDay": "Within 1 day", "tenPercent": "Within 10 % of the interval",
               "smrp": "Within 20 % of the interval, at most 28 days (SMRP)"}
BASIS_NAMES = {"failureToRestore": "The failure (SMRP)", "repairStartToRestore": "The repair's start"}


def day(value: datetime, tz: tzinfo) -> str:
    local = value.astimezone(tz)
    return f"{local.day} {local:%b %Y}"


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


UNIT_WORDS = {"day": ("day", "days", "Day"), "week": ("week", "weeks", "Week of"), "month": ("month", "months", "Month")}


def bucket_label(value: datetime, unit: str, first: bool = False) -> str:
    """Buckets are UTC days, Monday weeks or months, as the API's weeks: labelled in UTC too."""
    if unit == "month":
        return f"{value:%b %Y}" if first or value.month == 1 else f"{value:%b}"
    return f"{value.day} {value:%b}"


def _charts(data: dict, chart_series: dict) -> dict:
    unit = chart_series["unit"]
    one, many, heading = UNIT_WORDS[unit]
    buckets = chart_series["buckets"]
    for i, b in enumerate(buckets):
        b["label"] = bucket_label(b["start"], unit, first=i == 0)
    labels = [b["label"] for b in buckets]
    opened, completed = [b["opened"] for b in buckets], [b["completed"] for b in buckets]
    busiest = max(buckets, key=lambda b: b["opened"]) if buckets else None
    flow_summary = (f"{len(buckets)} {many}: {sum(opened)} work orders opened, {sum(completed)} completed."
                    + (f" Most opened in {'the ' + one + ' of ' if unit != 'month' else ''}{busiest['label']} "
                       f"({busiest['opened']})." if busiest and busiest["opened"] else ""))
    compliance = [b["pm_compliance"] for b in buckets]
    measured = [c for c in compliance if c is not None]
    pm_summary = (f"{len(measured)} of {len(buckets)} {many} had PM due; compliance ranged from "
                  f"{min(measured):.0f} % to {max(measured):.0f} %."
                  if measured else f"No PM work order was due in these {len(buckets)} {many}.")
    top = [a for a in data["kpis"]["top_assets"] if a["downtime_hours"]]
    top_summary = ("; ".join(f"{a['asset_tag']} {a['downtime_hours']:,.1f} h" for a in top)
                   if top else "No recorded downtime in this period.")
    return {
        "unit": unit, "per": one, "heading": heading, "buckets": buckets, "has_pm": bool(measured),
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
    actor = Actor.of(current_user.user)
    scope, filter_errors, tag = None, {}, None
    if query.asset:
        found = asset_for_code(actor, query.asset)
        if found is None:
            filter_errors["asset"] = f"No asset tagged {query.asset} here: the whole warehouse is shown."
        else:
            scope, tag = kpi_service.Scope(actor, found.id, include_children=query.children), found.asset_tag
    data = kpi_service.dashboard(actor, query.days, scope=scope, mttr_basis=query.mttr_basis,
                                 pm_grace=query.pm_grace)  # 403 page below a manager
    tz = zone(current_user.warehouse.timezone)
    charts = _charts(data, series_service.series(actor, query.days, now=data["to"], scope=scope,
                                                 pm_grace=data["compliance"]["pm_grace"]))
    # The filter rides along the period links (and the period along the filter's form).
    filters = {key: value for key, value in (
        ("asset", tag), ("children", "true" if scope and query.children else None),
        ("mttrBasis", query.mttr_basis if query.mttr_basis != kpi_service.MTTR_BASIS_DEFAULT else None),
        ("pmGrace", query.pm_grace)) if value}
    return render("kpis/index.html", block="dashboard", d=data, charts=charts, tz=tz, query=query,
                  filters=filters, filter_errors=filter_errors, grace_names=GRACE_NAMES,
                  warehouse_grace=(kpi_service.warehouse_grace(actor.warehouse_id) if query.pm_grace
                                   else data["compliance"]["pm_grace"]), basis_names=BASIS_NAMES,
                  periods=PERIODS, period_names=PERIOD_NAMES, days=query.days, fragment=wants_fragment(),
                  day=day, show=show, show_change=show_change,
                  # The plan's window is the figures' (their `to`), and so are its labor minutes
                  # when the figures are the whole warehouse's: counted once.
                  plan=planning_kpis(actor, query.days, now=data["to"],
                                     labor=data["kpis"]["labor_minutes"] if scope is None else None),
                  figure_slugs=FIGURE_SLUGS, record_names=RECORD_NAMES,
                  pm_ahead=drilldown.pm_ahead(actor, data["to"]) if not data["compliance"]["due"] else None)


def _period() -> int:
    """The drill-downs' `days` (one of the dashboard's periods, 30 when absent); 400 otherwise."""
    query = form_model(DashboardQuery, MultiDict({"days": request.args.get("days", "30")}))
    if isinstance(query, dict):
        abort(400, description="; ".join(f"{field}: {message}" for field, message in query.items()))
    return query.days


@web.get("/kpis/bad-actors")
@login_required
def kpi_bad_actors():
    """The dashboard's "Bad actors" section: loaded by the KPI page once it is shown (at a million work
    orders ranking a year's cost per asset takes ~0.7 s, which the page's figures need not wait for),
    or opened as a page of its own (the page's link without JavaScript)."""
    days = _period()
    bad = _bad_actors(Actor.of(current_user.user), days, utcnow())  # 403 page below a manager
    return render("kpis/bad_actors.html", block="section", bad=bad, days=days, show=show,
                  periods=PERIODS, period_names=PERIOD_NAMES)


def _bad_actors(actor: Actor, days: int, now: datetime) -> dict:
    """The dashboard's "Bad actors": the top assets by cost (with downtime, failures and why) and the
    Pareto of failure modes as a chart with its table."""
    data = bad_actor_service.bad_actors(actor, days, limit=BAD_ACTORS, now=now)
    items = data["pareto"]["items"][:12]  # the chart's first twelve; the table has them all
    chart = pareto([i["code"] for i in items], [i["count"] for i in items], [i["cumulative_share"] for i in items],
                   [i["vital_few"] for i in items]) if items else None
    vital = [i for i in data["pareto"]["items"] if i["vital_few"]]
    modes = len(data["pareto"]["items"])
    total = data["pareto"]["total"]
    summary = (f"{total} coded {'failure' if total == 1 else 'failures'} in {modes} failure "
               f"{'mode' if modes == 1 else 'modes'}; "
               f"{len(vital)} of them {'makes' if len(vital) == 1 else 'make'} {vital[-1]['cumulative_share']:g} %: "
               + ", ".join(f"{i['label']} ({i['count']})" for i in vital) + "." if vital else "")
    return {**data, "chart": chart, "summary": summary}


@web.get("/kpis/<any(mttr, mtbf, availability, 'planned-maintenance', 'pm-compliance', backlog, "
         "'schedule-compliance', 'break-in', 'planned-work', 'backlog-crew-weeks'):slug>")
@login_required
def kpi_records(slug: str):
    """The records behind one figure, with the dashboard's period (and an outcome filter where the figure
    has one): the work orders or downtime periods it counts, a page at a time."""
    figure = SLUGS[slug]
    days = _period()
    outcome = request.args.get("outcome") or None
    if outcome not in (None, *drilldown.OUTCOMES.get(figure, ())):
        outcome = None  # a stale or hand-edited filter: the whole list rather than an error page
    try:
        page = max(int(request.args.get("page", "1")), 1)
    except ValueError:
        page = 1
    data = drilldown.records(Actor.of(current_user.user), figure, days, outcome=outcome, page=page,
                             limit=RECORDS_PER_PAGE)
    args = {"slug": slug, "days": days, **({"outcome": outcome} if outcome else {})}
    return render("kpis/records.html", r=data, tz=zone(current_user.warehouse.timezone), slug=slug,
                  figure=PLAN_FIGURES.get(figure) or kpi_service.FIGURES[figure], title=RECORD_NAMES[figure],
                  periods=PERIODS,
                  period_names=PERIOD_NAMES, days=days, day=day, show=show, args=args,
                  outcomes=drilldown.OUTCOMES.get(figure, ()), outcome_names=OUTCOME_NAMES,
                  description=drilldown.DESCRIPTIONS[figure])


@web.get("/kpis/bad-actors/<equipment_id>")
@login_required
def bad_actor(equipment_id: str):
    """One asset's row of the bad actors, opened: its work orders in the period (costliest first) with
    their failure mode, cause and remedy, and the cost booked in the period. Another warehouse's: 404."""
    days = _period()
    try:
        page = max(int(request.args.get("page", "1")), 1)
    except ValueError:
        page = 1
    data = bad_actor_service.asset_work_orders(Actor.of(current_user.user), equipment_id, days, page=page,
                                               limit=RECORDS_PER_PAGE)
    return render("kpis/bad_actor.html", r=data, tz=zone(current_user.warehouse.timezone), periods=PERIODS,
                  period_names=PERIOD_NAMES, days=days, day=day, show=show,
                  args={"equipment_id": equipment_id, "days": days})
