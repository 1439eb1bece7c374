"""The manager's board on `/work-orders`: create, inline assign / priority / due date, bulk assign,
and the cheap "changed since" checks that keep open boards and work order pages live.

The board is the list of portal/web/work_orders.py with more controls for those who may assign;
every change goes through work_order_service like the API, which decides again who may do what.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import flash, make_response, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from portal.models.enums import PRIORITY, WORK_ORDER_STATUS, WORK_ORDER_TYPE
from portal.platform import live
from portal.schemas.work_orders import SORTS, WorkOrderCreate, WorkOrderQuery, WorkOrderUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.services.identity.permissions import can, require
from portal.services.pm import forecast as pm_forecast
from portal.services.work_orders import board_views, lifecycle, pickers, reads
from portal.services.work_orders import checklists as checklist_service
from portal.services.work_orders import hold_reasons as hold_reasons_service
from portal.services.work_orders import lifecycle as work_order_service
from portal.web import live_poll
from portal.web.blueprint import web
from portal.web.errors import error_page
from portal.web.forms import form_model
from portal.web.pickers import option_tags
from portal.web.rendering import render, wants_fragment
from portal.web.timefmt import from_local_input, zone
from portal.web.work_order_checklists import creation_checklists
from portal.web.work_orders import _actor, hold_refusal, list_args, list_context

# The inline edit's fields; an empty select or date clears the value (unassign, no due date).
EDIT_FIELDS = ("assignedTo", "priority", "dueDate")
CLEARABLE = {"assignedTo": "assigned_to", "dueDate": "due_date"}
DEFAULT_SORT = "-createdAt"
CREATE_FIELDS = ("title", "description", "type", "priority", "equipmentId", "assignedTo", "dueDate", "requiresSignature")


def _tz():
    return zone(current_user.warehouse.timezone)


def _field_errors(exc: DomainError, default: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors:
        errors.setdefault(str(err.get("field") or default).split("[")[0], err["message"])
    if not errors:
        errors[default] = exc.message
    return errors


# --- Create --------------------------------------------------------------------------------------

def _create_form(errors: dict[str, str] | None = None, values: Any = None, status: int = 200) -> Response:
    actor = _actor()
    values = values or {}
    people = reads.assignable_people(actor) if can(actor, "work_orders.assign") else []
    # The asset: a picker of the few assets matching what was typed (and the one chosen), not a
    # list of every asset (portal/web/pickers.py).
    assets = pickers.asset_choices(actor, values.get("assetQ"), values.get("equipmentId"))
    return render("work_orders/new.html", status=status, errors=errors or {}, values=values,
                  types=WORK_ORDER_TYPE.options, priorities=PRIORITY.options, asset_choices=assets,
                  people=people, checklist_sources=checklist_service.checklist_sources(actor))


@web.route("/work-orders/new", methods=["GET", "POST"])
@login_required
def board_new() -> Response:
    actor = _actor()
    require(actor, "work_orders.create")
    if request.method == "GET":
        return _create_form()
    form = MultiDict({k: v for k, v in request.form.items() if k in CREATE_FIELDS})
    if form.get("dueDate"):
        form["dueDate"] = from_local_input(form["dueDate"], _tz())
    data = form_model(WorkOrderCreate, form)
    checklists = creation_checklists(request.form)
    # An asset searched for but none chosen (the search box sent without JavaScript, or nothing picked
    # in the list): asked, rather than created without the asset the person meant.
    unpicked = {"equipmentId": "Choose the asset in the list, or clear the search box."} if (
        request.form.get("assetQ", "").strip() and not form.get("equipmentId")) else {}
    if isinstance(data, dict) or isinstance(checklists, dict) or unpicked:
        errors = {**(data if isinstance(data, dict) else {}), **(checklists if isinstance(checklists, dict) else {}),
                  **unpicked}
        return _create_form(errors=errors, values=request.form, status=422)
    try:
        wo = checklist_service.create_with_checklist(actor, data, checklists)
    except DomainError as exc:
        if exc.status not in (400, 403, 409) or not exc.errors:
            raise
        return _create_form(errors=_field_errors(exc, "title"), values=request.form, status=422)
    flash(f"{wo.fo_number} created.", "success")
    # The manager goes on with the new order (its checklist, parts), not back to the list.
    return redirect(url_for("web.work_order_page", work_order_id=wo.id), 303)


# --- The board: table, kanban, calendar ----------------------------------------------------------

TABLE_LIMIT = lifecycle.BULK_LIMIT  # a page of the table is one bulk change at most
KANBAN_LIMIT = 50  # cards per status column
CALENDAR_LIMIT = 500
SORTABLE = {"foNumber", "priority", "dueDate", "createdAt", "updatedAt"}  # the list's sorts (WorkOrderQuery)
# The kanban's columns: the open statuses, in the work's order.
KANBAN_STATUSES = ("new", "assigned", "in_progress", "on_hold")
# The board's own URL parameters besides the list's filters.
BOARD_KEYS = ("view", "sort", "span", "date", "cols")
# The bulk bar's statuses; on hold asks for a reason from the warehouse's list, as one work order's page.
BULK_STATUSES = list(WORK_ORDER_STATUS.options)
UNASSIGN = "-"  # the bulk bar's "Unassign" (its blank means "no change")


def board_args(source: Mapping[str, str]) -> dict[str, str]:
    """The filters and the board's own parameters of a request, blanks and unknown values dropped."""
    args = list_args(source)
    view = source.get("view", "")
    if view in board_views.KINDS and view != "table":
        args["view"] = view
    sort = source.get("sort", "")
    if sort in SORTS and sort != DEFAULT_SORT:
        args["sort"] = sort
    if args.get("view") == "calendar":
        if source.get("span") == "week":
            args["span"] = "week"
        if _parse_day(source.get("date", "")):
            args["date"] = source["date"]
    if cols := source.get("cols", "").strip():
        args["cols"] = ",".join(board_views.clean_columns(cols.split(",")))
    return args


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def board_context(actor: Actor, source: Mapping[str, str], *, full: bool | None = None) -> dict:
    """What the board shows for this URL: the list's filters and labels, then the rows of its view.
    `full`: the whole page (its filters' and bulk bar's choices too), else the swapped results;
    None: as the request asks (a page, or a fragment for htmx)."""
    args = board_args(source)
    filters = {k: v for k, v in args.items() if k not in BOARD_KEYS}
    view = args.get("view", "table")
    sort = args.get("sort", DEFAULT_SORT)
    if full is None:
        full = not wants_fragment()
    # The list's rows and their names; the whole page's choices are added below, the people from
    # what this process keeps of them (reads.assignable_people) rather than a thousand rows a load.
    ctx = list_context(actor, {**filters, "page": source.get("page", "1"), "assetQ": source.get("assetQ", "")},
                       limit=TABLE_LIMIT if view == "table" else 1, sort=sort, full=False, board=True, view=view,
                       args=args, filter_args=filters)
    if full:
        ctx["people"] = reads.assignable_people(actor)
        ctx["asset_choices"] = pickers.asset_choices(actor, source.get("assetQ"), args.get("equipmentId"))
    columns = args["cols"].split(",") if "cols" in args else board_views.columns_of(actor)
    ctx.update(sort=sort, columns=columns, column_names=board_views.COLUMNS, sortable=SORTABLE,
               saved_views=board_views.views_of(actor), bulk_statuses=BULK_STATUSES, unassign=UNASSIGN,
               kinds=board_views.KINDS, here=urlencode(args))
    # The assignable people as <option>s once (the whole page's filter, bulk bar and rows' shared list).
    ctx["people_tags"] = _people_tags(actor.warehouse_id, ctx["people"])
    if view == "kanban":
        ctx["lanes"] = _kanban(actor, filters, sort)
        ctx["moves_for"] = lambda wo: _moves(actor, wo)
    elif view == "calendar":
        ctx.update(_calendar(actor, filters, args))
    names_for = {wo.assigned_to for wo in ctx["rows"]}
    for lane in ctx.get("lanes", []):
        names_for |= {wo.assigned_to for wo in lane["rows"]}
    names_for |= {wo.assigned_to for day in ctx.get("days", []) for wo in day["rows"]}
    names_for.discard(None)
    # The table's names came with its rows (list_context); the kanban's and calendar's are read here.
    if not names_for <= ctx["names"].keys():
        ctx["names"] = reads.labels(actor, user_ids=names_for).names
    return ctx


# The <option>s of the last people list of each warehouse: the same list kept (the same object,
# reads.assignable_people) gives the same markup, built once rather than on every load.
_tags_of: dict[str, tuple[list, Markup]] = {}


def _people_tags(warehouse_id: str, people: list[tuple[str, str]]) -> Markup:
    kept = _tags_of.get(warehouse_id)
    if kept is not None and kept[0] is people:
        return kept[1]
    tags = option_tags(people)
    _tags_of[warehouse_id] = (people, tags)
    return tags


def _query(filters: Mapping[str, str], **values: Any) -> WorkOrderQuery:
    """The list's query for the filters and a view's own values (a lane's status, a calendar's span)."""
    own = {k: str(v) for k, v in values.items()}
    query = form_model(WorkOrderQuery, MultiDict(list({**filters, **own}.items())))
    if isinstance(query, dict):  # a refused filter (said next to it, as on the table): the view without filters
        query = form_model(WorkOrderQuery, MultiDict(list(own.items())))
    return query


def _kanban(actor: Actor, filters: Mapping[str, str], sort: str) -> list[dict]:
    """One lane per open status (those of the status filter, if any): its first cards and count."""
    wanted = [s for s in filters.get("status", "").split(",") if s] or KANBAN_STATUSES
    lanes = []
    for status in KANBAN_STATUSES:
        if status not in wanted:
            continue
        page = reads.list_page(actor, _query(filters, status=status, sort=sort, limit=KANBAN_LIMIT))
        lanes.append({"status": status, "label": WORK_ORDER_STATUS.label(status), "rows": page.items,
                      "total": page.total, "more": "" if page.exact else "+", "total_text": page.total_text})
    return lanes


# A card's Move menu: the lanes and completion, as far as the service allows from its status.
MOVE_STATUSES = (*KANBAN_STATUSES, "completed")


def _moves(actor: Actor, wo) -> list[tuple[str, str]]:
    allowed = set(lifecycle.allowed_transitions(actor, wo))
    return [(s, WORK_ORDER_STATUS.label(s)) for s in MOVE_STATUSES if s in allowed]


def _calendar(actor: Actor, filters: Mapping[str, str], args: Mapping[str, str]) -> dict:
    """The days of a week or a month (whole weeks, Monday first) in the warehouse's zone, each with
    the work orders due that day and the PM occurrences forecast for it."""
    tz = _tz()
    today = datetime.now(tz).date()
    anchor = _parse_day(args.get("date", "")) or today
    span = args.get("span", "month")
    if span == "week":
        first = anchor - timedelta(days=anchor.weekday())
        last = first + timedelta(days=6)
        before, after = first - timedelta(days=7), first + timedelta(days=7)
        title = f"Week of {first:%d %b %Y}"
    else:
        month = anchor.replace(day=1)
        next_month = (month + timedelta(days=32)).replace(day=1)
        first = month - timedelta(days=month.weekday())
        last = next_month - timedelta(days=1)
        last += timedelta(days=6 - last.weekday())
        before, after = (month - timedelta(days=1)).replace(day=1), next_month
        title = f"{month:%B %Y}"
    start = datetime.combine(first, time(), tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tz).astimezone(UTC)
    query = _query(filters, due_after=start.isoformat(), due_before=end.isoformat(), sort="dueDate",
                   limit=CALENDAR_LIMIT)
    page = reads.list_page(actor, query)
    by_day: dict[date, list] = {}
    for wo in page.items:
        by_day.setdefault(wo.due_date.astimezone(tz).date(), []).append(wo)
    pm_by_day: dict[date, list] = {}
    if can(actor, "pm.read"):
        for item in pm_forecast.forecast(actor, start, end):
            pm_by_day.setdefault(item.due.astimezone(tz).date(), []).append(item)
    days = []
    day = first
    while day <= last:
        days.append({"date": day, "rows": by_day.get(day, []), "pm": pm_by_day.get(day, []),
                     "today": day == today, "outside": span == "month" and day.month != anchor.month})
        day += timedelta(days=1)
    return {"days": days, "span": span, "cal_title": title, "cal_total": page.total_text,
            "cal_prev": before.isoformat(), "cal_next": after.isoformat(), "cal_today": today.isoformat()}


@web.get("/work-orders")
@login_required
def work_order_list() -> Response:
    """Technicians: the list; managers and admins: the board (table, kanban, calendar)."""
    actor = _actor()
    if can(actor, "work_orders.assign"):
        hold = [(r.code, r.label) for r in hold_reasons_service.list_reasons(actor)] if not wants_fragment() else []
        return render("work_orders/board.html", block="results", hold_reasons=hold,
                      **board_context(actor, request.args))
    return render("work_orders/list.html", block="results", **list_context(actor, request.args))


@web.post("/work-orders/columns")
@login_required
def board_columns() -> Response:
    """The table's columns the user picked, kept for them; back to the board as it was."""
    board_views.set_columns(_actor(), request.form.getlist("columns"))
    return redirect(_back(), 303)


def _back(**extra: str) -> str:
    """The board's URL the form was sent from (its `back` field: the board's query string)."""
    args = board_args(MultiDict(parse_qsl(request.form.get("back", ""))))
    args.pop("cols", None)
    args.update(extra)
    return url_for("web.work_order_list", **args)


@web.post("/work-orders/views")
@login_required
def board_save_view() -> Response:
    """Save the board as shown (view kind, filters, sort, columns) under a name."""
    actor = _actor()
    args = board_args(MultiDict(parse_qsl(request.form.get("back", ""))))
    columns = args["cols"].split(",") if "cols" in args else board_views.columns_of(actor)
    try:
        view = board_views.save_view(actor, request.form.get("name", ""), args.get("view", "table"), args, columns)
    except ValidationFailed as exc:
        flash(exc.errors[0]["message"] if exc.errors else exc.message, "error")
        return redirect(_back(), 303)
    flash(f"View “{view.name}” saved.", "success")
    return redirect(saved_view_url(view), 303)


@web.post("/work-orders/views/<view_id>/delete")
@login_required
def board_delete_view(view_id: str) -> Response:
    board_views.delete_view(_actor(), view_id)
    flash("View deleted.", "success")
    return redirect(_back(), 303)


# A work order's id where row_url() builds a route's pattern (ids are UUIDs: url_for quotes nothing in them).
_ID_SLOT = "00000000-0000-0000-0000-000000000000"
ROW_URLS = "maintainpro.row_urls"


@web.app_template_global()
def row_url(endpoint: str, work_order_id: str) -> str:
    """url_for(endpoint, work_order_id=...) for the board's rows, cards and days: the route's URL built
    once per request and the id put in it (a hundred rows asked url_for two hundred times, a fifth of
    the table's CPU). Kept in request.environ, not on g: an app context may outlive a request."""
    patterns = request.environ.setdefault(ROW_URLS, {})
    pattern = patterns.get(endpoint)
    if pattern is None:
        pattern = patterns[endpoint] = url_for(endpoint, work_order_id=_ID_SLOT).split(_ID_SLOT)
    return work_order_id.join(pattern)


@web.app_template_global()
def saved_view_url(view) -> str:
    """A saved view's board URL: its kind, filters and sort, and its columns."""
    args = {k: v for k, v in view.filters.items() if k not in ("view", "cols")}
    if view.kind != "table":
        args["view"] = view.kind
    if view.columns:
        args["cols"] = ",".join(view.columns)
    return url_for("web.work_order_list", **args)


# --- Inline edit of one row ----------------------------------------------------------------------

def _row(wo, status: int = 200, **extra: Any) -> Response:
    """The table's row of one work order (the board's inline edits answer it)."""
    actor = _actor()
    # The row's select names its assignee and the one asked for (the page's shared list has the rest).
    asked = extra.get("row_form", {}).get("assignedTo")
    labels = reads.labels(actor, user_ids={wo.assigned_to, asked}, equipment_ids={wo.equipment_id})
    args = board_args(MultiDict(parse_qsl(request.form.get("back", ""))))
    columns = args["cols"].split(",") if "cols" in args else board_views.columns_of(actor)
    ctx = {"wo": wo, "people": labels.people, "priorities": PRIORITY.options, "assets": labels.assets,
           "names": labels.names, "columns": columns, "here": urlencode(args)}
    ctx.update(extra)
    resp = make_response(render_block("work_orders/board.html", "row", **ctx), status)
    resp.vary.add("HX-Request")
    return resp


def _started_by(actor: Actor, wo) -> str:
    return reads.labels(actor, user_ids={wo.assigned_to}).names.get(wo.assigned_to, "someone")


@web.post("/work-orders/<work_order_id>/board")
@login_required
def board_edit(work_order_id: str) -> Response:
    """Assign, reprioritise or reschedule one work order from its row, each on change; answers the
    row with the same note whatever was changed. Taking started work from its assignee asks first."""
    actor = _actor()
    wo = work_order_service.get_work_order(actor, work_order_id)  # another warehouse's id: 404 first
    given = {k: request.form[k].strip() for k in EDIT_FIELDS if k in request.form}
    form = MultiDict(given)
    if form.get("dueDate"):
        form["dueDate"] = from_local_input(form["dueDate"], _tz())
    update = form_model(WorkOrderUpdate, form)
    if isinstance(update, dict):
        return _row(wo, 422, row_errors=update, row_form=given)
    # form_model reads "" as absent; here an emptied select or date means "none".
    update = update.model_copy(update={name: None for key, name in CLEARABLE.items() if given.get(key) == ""})
    if ("assignedTo" in given and request.form.get("confirm") != "reassign"
            and work_order_service.reassigning_started_work(actor, [wo.id], update.assigned_to)):
        return _row(wo, row_form=given, row_warn=f"{_started_by(actor, wo)} has started this work.",
                    confirm_assignee=given["assignedTo"])
    try:
        wo = work_order_service.update_work_order(actor, work_order_id, update)
    except (Forbidden, NotFound):
        raise  # the service's answer as it is: 403 / 404
    except DomainError as exc:
        errors = _field_errors(exc, "row")
        errors = {k if k in EDIT_FIELDS else "row": v for k, v in errors.items()}
        return _row(work_order_service.get_work_order(actor, work_order_id), 422, row_errors=errors, row_form=given)
    return _row(wo, row_note="Saved")


# --- Bulk changes --------------------------------------------------------------------------------

def _bulk_values(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The bulk bar's fields as the service's values (blank: no change), or what is wrong."""
    raw: dict[str, str] = {}
    for key in ("status", "priority", "dueDate", "holdReasonCode", "holdReason"):
        if value := form.get(key, "").strip():
            raw[key] = from_local_input(value, _tz()) if key == "dueDate" else value
    if raw.get("status") == "on_hold":
        # The portal asks why, as one work order's hold does (the API leaves it optional).
        if refused := hold_refusal(_actor(), raw):
            return {}, refused
    else:  # the hold's fields count only with on hold (they stay filled in the bar otherwise)
        raw.pop("holdReasonCode", None)
        raw.pop("holdReason", None)
    assignee = form.get("assignedTo", "").strip()
    if assignee and assignee != UNASSIGN:
        raw["assignedTo"] = assignee
    parsed = form_model(WorkOrderUpdate, MultiDict(raw))
    if isinstance(parsed, dict):
        return {}, parsed
    values = {name: getattr(parsed, name) for name in parsed.model_fields_set}
    if assignee == UNASSIGN:
        values["assigned_to"] = None
    return values, {}


def _bulk_answer(msg: str = "", error: str = "", warn: str = "", status: int = 200, changed=()) -> Response:
    if not request.headers.get("HX-Request"):
        flash(error or warn or msg, "error" if error or warn else "success")
        return redirect(_back(), 303)
    ctx: dict[str, Any] = {"bulk_msg": msg, "bulk_error": error, "bulk_warn": warn}
    body = render_template("work_orders/_board_msg.html", **ctx)
    if changed:
        # The changed rows, refreshed where they are (the table), or the view again (kanban,
        # calendar: a card may change lanes or days): out-of-band swaps of the same answer.
        actor = _actor()
        args = board_args(MultiDict(parse_qsl(request.form.get("back", ""))))
        if args.get("view") in ("kanban", "calendar"):
            body += render_block("work_orders/board.html", "results", oob=True,
                                 **board_context(actor, args, full=False))
        else:
            labels = reads.labels(actor, user_ids={wo.assigned_to for wo in changed},
                                  equipment_ids={wo.equipment_id for wo in changed})
            columns = args["cols"].split(",") if "cols" in args else board_views.columns_of(actor)
            for wo in changed:
                body += render_block("work_orders/board.html", "row", wo=wo, oob=True, people=labels.people,
                                     priorities=PRIORITY.options, assets=labels.assets, names=labels.names,
                                     columns=columns, here=urlencode(args))
    resp = make_response(body, status)
    if changed:
        resp.headers["HX-Trigger"] = "board-assigned"  # the board unticks its rows
    return resp


@web.post("/work-orders/bulk")
@login_required
def board_bulk() -> Response:
    """The ticked rows changed alike (assignee, status, priority, due date): one service call, one
    transaction (all or nothing). Taking started work from someone asks first."""
    actor = _actor()
    ids = [i for i in request.form.getlist("ids") if i]
    values, errors = _bulk_values(request.form)
    if not ids:
        return _bulk_answer(error="Tick the work orders to change first.", status=422)
    if errors:
        return _bulk_answer(error=next(iter(errors.values())), status=422)
    if not values:
        return _bulk_answer(error="Choose what to change: an assignee, a status, a priority or a due date.", status=422)
    if "assigned_to" in values and request.form.get("confirm") != "reassign":
        started = work_order_service.reassigning_started_work(actor, ids, values["assigned_to"])
        if started:
            numbers = ", ".join(wo.fo_number for wo in started[:5]) + (" …" if len(started) > 5 else "")
            some = "has" if len(started) == 1 else "have"
            return _bulk_answer(warn=f"{numbers} {some} been started by someone else. Reassign anyway?")
    try:
        done = work_order_service.bulk_update(actor, ids, values)
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        error = "; ".join(e["message"] for e in exc.errors) if exc.errors else exc.message
        if exc.message not in error:
            error = f"{exc.message}: {error}"
        return _bulk_answer(error=error, status=422)
    what = []
    if "assigned_to" in values:
        who = reads.labels(actor, user_ids={values["assigned_to"]}).names.get(values["assigned_to"], "them")
        what.append(f"assigned to {who}" if values["assigned_to"] else "unassigned")
    if "status" in values:
        what.append(f"now {WORK_ORDER_STATUS.label(values['status']).lower()}")
        if code := values.get("hold_reason_code"):
            what[-1] += f" ({hold_reasons_service.labels(actor.warehouse_id).get(code, code).lower()})"
    if "priority" in values:
        what.append(f"{values['priority']} priority")
    if "due_date" in values:
        what.append("rescheduled")
    n = len(done)
    return _bulk_answer(msg=f"{n} work order{'s' if n != 1 else ''} {', '.join(what)}.", changed=done)


# --- Kanban moves ---------------------------------------------------------------------------------

def _refusal(actor: Actor, wo, status: str) -> str | None:
    """Words for a move the status buttons would not offer, before asking the service."""
    if status == wo.status:
        return None
    if status not in WORK_ORDER_STATUS.values:
        return "Pick a column to move the card to."
    if status in dict(_moves(actor, wo)):
        return None
    here, there = WORK_ORDER_STATUS.label(wo.status), WORK_ORDER_STATUS.label(status)
    if status == "assigned" and not wo.assigned_to:
        return f"{wo.fo_number} has nobody assigned: pick someone in the bulk bar's “Assign to” and it moves to {there}."
    offered = [label for _, label in _moves(actor, wo)]
    hint = f" From {here} it can go to {', '.join(offered)}." if offered else ""
    return f"{wo.fo_number} cannot go from {here} to {there}.{hint}"


def _move_answer(wo, *, msg: str = "", error: str = "", status: int = 200, **card: Any) -> Response:
    """The bar's line, and either the board's lanes anew (a card moved) or the card again with why
    it stayed (a refusal: it is back in its lane, the reason on it)."""
    actor = _actor()
    args = board_args(MultiDict(parse_qsl(request.form.get("back", ""))))
    body = render_template("work_orders/_board_msg.html", bulk_msg=msg, bulk_error=error, msg_card=wo.id)
    if not request.headers.get("HX-Request"):
        flash(error or msg, "error" if error else "success")
        return redirect(_back(), 303)
    if error:
        names = reads.labels(actor, user_ids={wo.assigned_to}).names if wo.assigned_to else {}
        body += render_block("work_orders/board.html", "card", wo=wo, card_oob=True, names=names, here=urlencode(args),
                             card_note=error, moves_for=lambda w: _moves(actor, w), **card)
    else:
        body += render_block("work_orders/board.html", "results", oob=True, **board_context(actor, {**args, "view": "kanban"}))
    return make_response(body, status)


@web.post("/work-orders/<work_order_id>/move")
@login_required
def board_move(work_order_id: str) -> Response:
    """A kanban card dropped on another lane, or its Move menu: the status through the same service
    as the work order page's buttons (its gates: failure codes, checklist, sign-off); on hold asks
    why first, as the page does. A refusal answers 422 with the card and its reason."""
    actor = _actor()
    wo = work_order_service.get_work_order(actor, work_order_id)  # another warehouse's id: 404 first
    data = {k: request.form[k].strip() for k in ("status", "holdReasonCode", "holdReason") if request.form.get(k, "").strip()}
    status = data.get("status", "")
    if refused := _refusal(actor, wo, status):
        return _move_answer(wo, error=refused, status=422)
    if status == wo.status:
        return _move_answer(wo, msg=f"{wo.fo_number} is already {WORK_ORDER_STATUS.label(status).lower()}.")
    if status == "on_hold" and hold_refusal(actor, data):
        reasons = [(r.code, r.label) for r in hold_reasons_service.list_reasons(actor)]
        return _move_answer(wo, error=f"Why does {wo.fo_number} wait? Pick a reason on its card, then “Put on hold”.",
                            status=422, card_hold=True, hold_reasons=reasons)
    update = form_model(WorkOrderUpdate, MultiDict(data))
    if isinstance(update, dict):
        return _move_answer(wo, error=next(iter(update.values())), status=422)
    try:
        wo = work_order_service.update_work_order(actor, work_order_id, update)
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        reasons = "; ".join(e["message"] for e in exc.errors if e.get("message")) or exc.message
        wo = work_order_service.get_work_order(actor, work_order_id)
        return _move_answer(wo, error=f"{wo.fo_number} stays {WORK_ORDER_STATUS.label(wo.status).lower()}: {reasons}",
                            status=422)
    return _move_answer(wo, msg=f"{wo.fo_number} is now {WORK_ORDER_STATUS.label(wo.status).lower()}.")


# --- Live updates --------------------------------------------------------------------------------

def _changed(current: str | None) -> bool:
    since = request.args.get("since", "")
    # Redis down (None): say nothing changed; polling resumes when it is back.
    return current is not None and since != current


@web.get("/work-orders/changes")
@login_required
def board_changes() -> Response:
    """204 when nothing of this warehouse's work orders changed since `since`; else the list's
    rows for the filters in the query (the same as the list), with the new version."""
    actor = _actor()
    require(actor, "work_orders.read")
    current = live.version(actor.warehouse_id)
    if not _changed(current):
        return _nothing(actor)
    if can(actor, "work_orders.assign"):
        resp = render("work_orders/board.html", block="results", **board_context(actor, request.args))
    else:
        resp = render("work_orders/list.html", block="results", **list_context(actor, request.args))
    resp.headers["X-Live-Version"] = current
    resp.headers["Cache-Control"] = "no-store"
    return live_poll.issue(resp, user_id=actor.id, warehouse_id=actor.warehouse_id)


@web.get("/work-orders/<work_order_id>/changes")
@login_required
def work_order_changes(work_order_id: str) -> Response:
    """Same for one work order's page; a deleted or foreign id answers 404 (the page says so)."""
    from portal.web.work_orders import detail_context

    actor = _actor()
    require(actor, "work_orders.read")
    current = live.version(actor.warehouse_id, work_order_id)
    if not _changed(current):
        return _nothing(actor)
    try:
        ctx = detail_context(actor, work_order_id)
    except NotFound:
        return error_page(404, "This work order no longer exists.")
    resp = render("work_orders/detail.html", block="detail", **ctx)
    resp.headers["X-Live-Version"] = current
    resp.headers["Cache-Control"] = "no-store"
    return live_poll.issue(resp, user_id=actor.id, warehouse_id=actor.warehouse_id)


def _nothing(actor: Actor) -> Response:
    """204, with a poll token: the next polls of this page answer "nothing changed" without the
    login's SQL (portal/web/live_poll.py)."""
    return live_poll.issue(live_poll.nothing_changed(), user_id=actor.id, warehouse_id=actor.warehouse_id)
