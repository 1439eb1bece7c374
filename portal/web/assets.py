"""/assets: the asset list (filters, paging, label sheet), an asset's page (status, work orders,
meter readings, PM templates, "Report a problem"), printable labels with QR codes."""
from __future__ import annotations

from datetime import datetime

import segno
from flask import flash, redirect, request, url_for
from flask.wrappers import Response
from flask_login import current_user, login_required
from pydantic import Field

from portal.models import DowntimePeriod, Equipment
from portal.models.enums import CRITICALITY, DOWNTIME_PLANNED, DOWNTIME_REASON, EQUIPMENT_STATUS, PRIORITY
from portal.models.types import utcnow
from portal.platform.extensions import login_manager
from portal.platform.http.urls import absolute_url
from portal.schemas.equipment import EquipmentCreate, EquipmentQuery, EquipmentStatusChange, EquipmentUpdate
from portal.schemas.messages import required_message
from portal.schemas.pm import MeterReadingCreate
from portal.schemas.work_orders import WorkOrderCreate
from portal.services.assets import equipment as equipment_service
from portal.services.assets import meters as meter_service
from portal.services.assets import tree
from portal.services.assets.overview import areas, asset_overview, equipment_classes
from portal.services.assets.overview import asset_history as history_page
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError, Forbidden, NotFound
from portal.services.identity.permissions import can
from portal.services.work_orders import lifecycle as work_order_service
from portal.services.work_orders import problem_reports
from portal.web import asset_tree, timefmt
from portal.web.blueprint import web
from portal.web.forms import date_input, form_model, local_date
from portal.web.rendering import render, wants_fragment

PAGE_SIZE = 25
# Optional asset fields a manager may clear by emptying their input (PATCH null in the API).
CLEARABLE = {"model": "model", "manufacturer": "manufacturer", "description": "description",
             "location": "location", "area": "area", "installDate": "install_date", "parentId": "parent_id"}


# The mark-down form's kinds of stop, each saying whether it is planned (the "Other" one lets the box decide).
_KIND = {True: "planned", False: "unplanned", None: "planned or not"}
REASON_OPTIONS = [(code, f"{DOWNTIME_REASON.label(code)} ({_KIND[DOWNTIME_PLANNED[code]]})") for code in DOWNTIME_REASON.values]


class MarkDownForm(EquipmentStatusChange):
    """The page asks why an asset goes down (the API leaves the reason optional)."""

    reason: str = Field(min_length=1, max_length=2000)


def asset_name(eq: Equipment) -> str:
    """What people call the machine: the first line of its description, else make and model."""
    first = (eq.description or "").strip().splitlines()[0].strip() if (eq.description or "").strip() else ""
    name = first or " ".join(p for p in (eq.manufacturer, eq.model) if p) or eq.asset_tag
    return name if len(name) <= 60 else name[:59].rstrip() + "…"


web.add_app_template_filter(asset_name, "asset_name")


def downtime_duration(period: DowntimePeriod, now: datetime | None = None) -> str:
    """"45 min", "3 h 20 min", "2 d 4 h": how long the asset was (or has been) down."""
    minutes = int(((period.ended_at or now or utcnow()) - period.started_at).total_seconds() // 60)
    days, rest = divmod(max(minutes, 0), 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {mins} min" if hours else f"{mins} min"


web.add_app_template_filter(downtime_duration, "downtime_duration")


def when_at(value: datetime | None, tz) -> str:
    """timefmt.when with the time of day always shown: a history needs it beyond yesterday too."""
    text = timefmt.when(value, tz)
    return text if value is None or ":" in text else f"{text} {value.astimezone(tz):%H:%M}"


web.add_app_template_filter(when_at, "when_at")


def _actor() -> Actor:
    return Actor.of(current_user.user)


def _errors_of(exc: DomainError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for item in exc.errors:
        errors.setdefault(item.get("field") or "_", item.get("message") or exc.message)
    return errors or {"_": exc.message}


def _qr(url: str) -> str:
    # viewBox only (omitsize): the label's CSS sets the printed size.
    return segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff", omitsize=True)


def _navigate(url: str, message: str) -> Response:
    """Done: a flash message on the page at `url` (htmx: HX-Redirect, the whole page with its flash;
    HX-Location would fetch it as a fragment, without the layout's flash region)."""
    flash(message, "success")
    if wants_fragment():
        resp = Response("", 200)
        resp.headers["HX-Redirect"] = url
        return resp
    return redirect(url, 303)


@web.get("/assets")
@login_required
def assets():
    actor = _actor()
    if request.args.get("view") == "tree":
        return asset_tree.tree_page(actor)
    args = {k: v for k, v in request.args.items() if v != ""}
    query = form_model(EquipmentQuery, request.args)
    errors: dict[str, str] = {}
    if isinstance(query, dict):
        errors, query = query, EquipmentQuery()
    query.limit = PAGE_SIZE
    page = equipment_service.list_equipment(actor, query)
    return render("assets/index.html", block="results", page=page, query=query, args=args, errors=errors,
                  areas=areas(actor), statuses=EQUIPMENT_STATUS, criticalities=CRITICALITY,
                  can_edit=can(actor, "equipment.write"))


@web.get("/assets/labels")
@login_required
def asset_labels():
    """An A4 sheet of labels for the assets ticked in the list (?id=...&id=...)."""
    assets_, reports = problem_reports.labels(_actor(), request.args.getlist("id"))
    return render("assets/labels.html", labels=[_label(eq, reports) for eq in assets_])


def _label(eq: Equipment, reports: bool) -> dict:
    # The label's token rides along: a logged-out phone gets the asset's public page with it
    # (asset() above); signed-in people get the asset page whatever it says.
    page_url = absolute_url(url_for("web.asset", equipment_id=eq.id, label=eq.report_token))
    label = {"asset": eq, "url": page_url, "qr": _qr(page_url), "report_qr": None}
    if reports:
        report_url = absolute_url(url_for("web.report", token=eq.report_token))
        label.update(report_qr=_qr(report_url), report_url=report_url)
    return label


def _detail(equipment_id: str, *, block: str = "content", status: int = 200, **ctx) -> Response:
    actor = _actor()
    # The history is on the whole page only, not in the status/meters/report fragments.
    overview = asset_overview(actor, equipment_id, history=block == "content")
    if block == "content":  # where it sits (breadcrumbs) and what is part of it
        overview.update(crumbs=tree.breadcrumbs(actor, overview["asset"]),
                        parts=tree.tree_level(actor, overview["asset"].id))
    return render("assets/detail.html", block=block, status=status, **overview, priorities=PRIORITY,
                  downtime_reasons=DOWNTIME_REASON, reason_options=REASON_OPTIONS,
                  statuses=EQUIPMENT_STATUS, can_status=can(actor, "equipment.status"),
                  can_read_meters=can(actor, meter_service.RECORD_PERMISSION),
                  can_edit=can(actor, "equipment.write"), is_admin=can(actor, "warehouse.manage"), **ctx)


@web.get("/assets/<equipment_id>")
def asset(equipment_id: str):
    """The asset's page. A logged-out phone that scanned the label (its URL carries the label's
    token, ?label=) gets a small public page instead of the login: "Report a problem" and "Log in"
    (back here after). Without the token, or with a wrong one, the login as for any page."""
    if not current_user.is_authenticated:
        token = request.args.get("label", "")
        if not token:
            return login_manager.unauthorized()
        try:
            eq, reports = problem_reports.asset_for_label(equipment_id, token)
        except NotFound:
            return login_manager.unauthorized()
        return render("assets/scanned.html", asset=eq, reports=reports,
                      login_url=url_for("web.login", next=url_for("web.asset", equipment_id=eq.id)))
    return _detail(equipment_id)


@web.get("/assets/<equipment_id>/label")
@login_required
def asset_label(equipment_id: str):
    assets_, reports = problem_reports.labels(_actor(), [equipment_id])
    if not assets_:
        equipment_service.get_equipment(_actor(), equipment_id)  # the same 404 as everywhere
    return render("assets/labels.html", labels=[_label(assets_[0], reports)], single=True)


@web.post("/assets/<equipment_id>/status")
@login_required
def asset_status(equipment_id: str):
    """Mark down (with a reason, optionally the work order) or back up, through change_status."""
    going_down = request.form.get("status") == "down"
    form = form_model(MarkDownForm if going_down else EquipmentStatusChange, request.form)
    if isinstance(form, dict):
        return _detail(equipment_id, block="status", status=422, status_errors=form, form=request.form)
    try:
        equipment_service.change_status(_actor(), equipment_id, form)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _detail(equipment_id, block="status", status=422, status_errors=_errors_of(exc), form=request.form)
    message = "Marked down." if going_down else f"Status: {EQUIPMENT_STATUS.labels[form.status]}."
    if not wants_fragment():
        flash(message, "success")
        return redirect(url_for("web.asset", equipment_id=equipment_id), 303)
    return _detail(equipment_id, block="status", status_message=message)


@web.post("/assets/<equipment_id>/readings")
@login_required
def asset_reading(equipment_id: str):
    form = form_model(MeterReadingCreate, request.form)
    if isinstance(form, dict):
        return _detail(equipment_id, block="meters", status=422, reading_errors=form, form=request.form)
    try:
        reading, created = meter_service.record_reading(_actor(), equipment_id, form)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _detail(equipment_id, block="meters", status=422, reading_errors=_errors_of(exc), form=request.form)
    message = f"Reading saved: {reading.value:g} {reading.unit or reading.meter}."
    if created:
        message += " PM work order created: " + ", ".join(wo.fo_number for wo in created) + "."
    if not wants_fragment():
        flash(message, "success")
        return redirect(url_for("web.asset", equipment_id=equipment_id), 303)
    return _detail(equipment_id, block="meters", reading_message=message)


@web.route("/assets/<equipment_id>/report", methods=["GET", "POST"])
@login_required
def asset_report(equipment_id: str):
    """Tap 1 (GET): the short form, title prefilled; tap 2 (POST): a corrective work order."""
    actor = _actor()
    eq = equipment_service.get_equipment(actor, equipment_id)
    if request.method == "GET":
        return _detail(equipment_id, block="report", reporting=True,
                       report_form={"title": f"Fault on {eq.asset_tag}", "priority": "high"})
    form = form_model(WorkOrderCreate, request.form)
    if not isinstance(form, dict):
        form.equipment_id, form.type = eq.id, "corrective"  # this asset, a repair: not the form's to choose
        try:
            wo = work_order_service.create_work_order(actor, form)
        except DomainError as exc:
            if exc.status == 404:
                raise
            form = _errors_of(exc)
        else:
            return _navigate(url_for("web.asset", equipment_id=eq.id), f"Work order {wo.fo_number} created.")
    return _detail(equipment_id, block="report", status=422, reporting=True, report_errors=form,
                   report_form=request.form)


@web.post("/assets/<equipment_id>/report-token")
@login_required
def asset_report_token(equipment_id: str):
    """Admins: a new label token; the printed label's report QR stops working at once, and its asset
    QR no longer opens the public page for a logged-out phone (signed-in people still get the asset)."""
    problem_reports.rotate_report_token(_actor(), equipment_id)
    return _navigate(url_for("web.asset", equipment_id=equipment_id),
                     "New report link made. The old label's report code no longer works: print the label again.")


def _require_write() -> Actor:
    """The form pages themselves (GET); a POST is refused by the service (equipment.write)."""
    actor = _actor()
    if not can(actor, "equipment.write"):
        raise Forbidden("Only managers and admins register and edit assets")
    return actor


def _asset_form(actor: Actor, asset: Equipment | None = None, errors: dict | None = None,
                values: dict | None = None, status: int = 200) -> Response:
    values = values or {}
    # The parent picked: what was sent (after an error), else the asset's own, else ?parentId= ("Register a sub-asset").
    picked_id = values["parentId"] if "parentId" in values else asset.parent_id if asset else request.args.get("parentId")
    return render("assets/form.html", status=status, asset=asset, errors=errors or {}, values=values,
                  picked=tree.find_asset(actor, picked_id),
                  statuses=EQUIPMENT_STATUS, criticalities=CRITICALITY, areas=areas(actor),
                  equipment_classes=equipment_classes(actor),
                  install_date=date_input(asset.install_date if asset else None, _tz()))


def _tz():
    return timefmt.zone(current_user.warehouse.timezone)


def _asset_form_data(asset: Equipment | None = None):
    """The form as the API would receive it: the install date is a local date (warehouse zone);
    an unchanged one is not sent, so saving the form never moves a stored time of day."""
    form = request.form.copy()
    if form.get("installDate"):
        if asset is not None and form["installDate"] == date_input(asset.install_date, _tz()):
            del form["installDate"]
        else:
            form["installDate"] = local_date(form["installDate"], _tz())
    return form


@web.route("/assets/new", methods=["GET", "POST"])
@login_required
def asset_new() -> Response:
    actor = _actor() if request.method == "POST" else _require_write()
    if request.method == "GET":
        return _asset_form(actor)
    data = form_model(EquipmentCreate, _asset_form_data())
    if isinstance(data, dict):
        return _asset_form(actor, errors=data, values=request.form, status=422)
    try:
        eq = equipment_service.create_equipment(actor, data)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _asset_form(actor, errors=_errors_of(exc), values=request.form, status=422)
    flash(f"Asset {eq.asset_tag} registered.", "success")
    return redirect(url_for("web.asset", equipment_id=eq.id), 303)


@web.route("/assets/<equipment_id>/edit", methods=["GET", "POST"])
@login_required
def asset_edit(equipment_id: str) -> Response:
    actor = _actor() if request.method == "POST" else _require_write()
    eq = equipment_service.get_equipment(actor, equipment_id)  # another warehouse's asset: 404
    if request.method == "GET":
        return _asset_form(actor, eq)
    form = _asset_form_data(eq)
    data = form_model(EquipmentUpdate, form)
    if form.get("assetTag") == "":  # absent to PATCH means "unchanged": an emptied tag is an error here
        data = {**(data if isinstance(data, dict) else {}), "assetTag": required_message("assetTag", EquipmentUpdate)}
    if isinstance(data, dict):
        return _asset_form(actor, eq, errors=data, values=request.form, status=422)
    cleared = {name: None for key, name in CLEARABLE.items() if key in form and form[key] == ""}
    if cleared:
        data = data.model_copy(update=cleared)
    try:
        eq = equipment_service.update_equipment(actor, equipment_id, data)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _asset_form(actor, eq, errors=_errors_of(exc), values=request.form, status=422)
    flash(f"Asset {eq.asset_tag} saved.", "success")
    return redirect(url_for("web.asset", equipment_id=eq.id), 303)


@web.get("/assets/<equipment_id>/history/<any(status, downtime):kind>")
@login_required
def asset_history(equipment_id: str, kind: str) -> Response:
    """More history rows: htmx gets the rows (and the next "Show more") that replace the button;
    without JavaScript, a page of its own with that page of rows."""
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    ctx = {"kind": kind, "statuses": EQUIPMENT_STATUS, "downtime_reasons": DOWNTIME_REASON, **history_page(_actor(), equipment_id, kind, page)}
    return render("assets/_history.html" if wants_fragment() else "assets/history.html", block=f"{kind}_rows", **ctx)
