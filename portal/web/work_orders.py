"""`/work-orders`: the list with filters, and one work order's page (status, checklist, parts, labor).

Every change goes through the same services as the JSON API; these views only parse the form,
call the service, and render the page or the fragment htmx swaps.
"""
from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask.wrappers import Response
from flask_login import login_required
from jinja2_fragments.flask import render_block

from portal.models.enums import CLOSED_STATUSES, FAILURE_CODE_KIND, PRIORITY, WORK_ORDER_STATUS, WORK_ORDER_TYPE
from portal.models.types import utcnow
from portal.platform import live
from portal.platform.database import reads_from_now
from portal.schemas.parts import PartRequestCreate
from portal.schemas.pm import ChecklistItemUpdate, LaborCreate
from portal.schemas.work_orders import ConsumeParts, PartUsage, WorkOrderQuery, WorkOrderUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, DomainError, ValidationFailed
from portal.services.identity.permissions import can
from portal.services.inventory import parts as parts_service
from portal.services.inventory import requests as request_service
from portal.services.work_orders import checklists as checklist_service
from portal.services.work_orders import failure_codes, follow_ups, pickers, problem_reports, reads
from portal.services.work_orders import hold_reasons as hold_reasons_service
from portal.services.work_orders import labor as labor_service
from portal.services.work_orders import lifecycle as work_order_service
from portal.web import live_poll
from portal.web.acting import request_actor, request_name
from portal.web.blueprint import web
from portal.web.forms import form_model
from portal.web.offline import device_time
from portal.web.rendering import render, wants_fragment

LIST_LIMIT = 25
# Filters the list's GET form carries (the API's query names); anything else is ignored.
LIST_FILTERS = ("status", "priority", "type", "assignedTo", "equipmentId", "overdue", "q")


def _actor() -> Actor:
    return request_actor()


@web.app_template_test("closed")
def is_closed(status: str | None) -> bool:
    """The templates' `wo.status is closed`: a final status (CLOSED_STATUSES)."""
    return status in CLOSED_STATUSES


def list_args(source: Mapping[str, str]) -> dict[str, str]:
    """The filters of a list request (the API's query names), blanks dropped."""
    return {k: v for k in LIST_FILTERS if (v := source.get(k, "").strip())}


def list_context(actor: Actor, source: Mapping[str, str], *, limit: int = LIST_LIMIT, sort: str | None = None,
                 full: bool | None = None, **extra: Any) -> dict:
    """What the list (and, for managers and admins, the board around it) shows for these filters.
    `full`: for the whole page, with its filters' choices (the people once, the asset picker's few
    assets); the fragments that filters, live refreshes and bulk changes swap read neither: only
    the names of the people and assets their rows show. None: as the request asks (render())."""
    if full is None:
        full = not wants_fragment()
    args = list_args(source)
    page_no = source.get("page", "1")
    query = form_model(WorkOrderQuery, _multidict({**args, "page": page_no, "limit": str(limit),
                                                   **({"sort": sort} if sort else {})}))
    errors: dict[str, str] = {}
    if isinstance(query, dict):
        # "status[0]" -> "status": the message goes next to its select; the list shows unfiltered.
        errors = {key.split("[")[0]: message for key, message in query.items()}
        query = WorkOrderQuery(limit=limit)
    version = live.version(actor.warehouse_id) or ""  # before the rows (detail_context says why)
    reads_from_now()
    page = reads.list_page(actor, query)  # the API's list: the same statement and the same cache entry
    rows = page.items
    # The board's controls appear by role; the services decide again on every post.
    board = can(actor, "work_orders.assign")
    chosen = args.get("equipmentId")
    labels = reads.labels(actor, user_ids={wo.assigned_to for wo in rows}, people=full,
                          equipment_ids={wo.equipment_id for wo in rows} | {chosen})
    ctx = {
        "page": page, "rows": rows, "args": args, "errors": errors, "people": labels.people,
        "assets": labels.assets, "names": labels.names, "statuses": WORK_ORDER_STATUS.options,
        "priorities": PRIORITY.options, "types": WORK_ORDER_TYPE.options, "board": board,
        "can_create": can(actor, "work_orders.create") and board,
        "live_version": version,
    }
    if full:
        ctx["asset_choices"] = pickers.asset_choices(actor, source.get("assetQ"), chosen)
    ctx.update(extra)
    return ctx


def _multidict(data: dict[str, str]):
    from werkzeug.datastructures import MultiDict

    return MultiDict(list(data.items()))


def detail_context(actor: Actor, work_order_id: str, **extra: Any) -> dict:
    """Everything the work order page shows, in a fixed number of queries whatever its size."""
    # The version first, then the rows: a change committed after this read moves the version past
    # it, so the page's next poll fetches it; read after the rows, a change landing in between
    # would be in the version but not on the page, and no poll would ever bring it.
    version = live.version(actor.warehouse_id, work_order_id) or ""
    reads_from_now()  # on SQLite the request's snapshot may be older than that version
    read = reads.work_order_page(actor, work_order_id)
    wo = read.work_order
    transitions = work_order_service.allowed_transitions(actor, wo)
    held = _current_hold(wo.status, read.history)
    reasons = read.labels.hold_reasons  # read with the names: the hold form, and the holds the page shows
    ctx = {
        "wo": wo, "equipment": read.labels.equipment.get(wo.equipment_id or ""), "history": read.history,
        "consumed": read.parts, "parts_cost": read.parts_cost, "part_of": read.labels.parts,
        "items": read.checklist, "labor": read.labor, "names": read.labels.names,
        "transitions": transitions, "next_action": next_action(wo.status, transitions),
        "hold_reasons": [(r.code, r.label) for r in reasons if r.active], "reason_labels": {r.code: r.label for r in reasons},
        "held": held, "progress": checklist_progress(read.checklist),
        "can_work": _can_work(actor, wo), "timer": labor_service.running_timer(actor, wo.id),
        "estimates": work_order_service.may_change(actor, wo, "estimated_duration"),  # the planner's form
        "errors": {}, "missing": [], "now": utcnow(),
        "live_version": version,
        # Only a problem report has one (one more statement on those pages alone).
        "reporter_email": problem_reports.reporter_email(actor, wo.id) if wo.reporter_name else None,
        "part_requests": request_service.part_requests_of(actor, wo.id),
        "relations": follow_ups.relations(actor, wo, read.checklist),
        # "Add checklist items…" on an open ad-hoc work order, for managers (None: not offered).
        "checklist_sources": checklist_service.checklist_sources(actor, wo),
        "checklist_errors": {}, "checklist_form": {}, "checklist_open": False,
        "failure": _failure_context(actor, wo, transitions),
    }
    ctx.update(extra)
    return ctx


def _failure_context(actor: Actor, wo, transitions: list[str]) -> dict | None:
    """The failure codes a repair carries (labels), and the completion step's short lists: the codes
    offered for the asset's class, most used first. None for work that is not a repair and has none."""
    carried = {kind: getattr(wo, column) for kind, column in failure_codes.COLUMN_OF.items()}
    asking = wo.type in failure_codes.CODED_TYPES and "completed" in transitions
    if not asking and not any(carried.values()):
        return None
    step = failure_codes.completion_step(actor, wo, asking=asking)
    labels = step["labels"]
    options = {kind: [(c.code, f"{c.code} – {c.label}") for c in codes] for kind, codes in step["offered"].items()}
    for kind, code in carried.items():  # the code it carries stays choosable, even retired since
        if asking and code and code not in {value for value, _ in options[kind]}:
            options[kind].insert(0, (code, f"{code} – {labels.get((kind, code), code)}"))
    return {"carried": {k: (c, labels.get((k, c), c)) for k, c in carried.items() if c}, "asking": asking,
            "options": options, "required": step["required"], "fields": failure_codes.FIELDS,
            "kinds": FAILURE_CODE_KIND}


def next_action(status: str, transitions: list[str]) -> str | None:
    """The one action the page puts at the top: start, resume or complete (None: nothing to do).
    Hold, give back and cancel are offered further down, never as the main button."""
    if "in_progress" in transitions:
        return "resume" if status == "on_hold" else "start"
    if "completed" in transitions:
        return "complete"
    return None


def checklist_progress(items: list) -> dict[str, int]:
    """"2 of 4 done", and how many of the required ones are still open (they gate completion)."""
    return {"done": sum(1 for i in items if i.done), "total": len(items),
            "required_left": sum(1 for i in items if i.required and not i.done)}


def _current_hold(status: str, history: list[dict]) -> dict | None:
    """Why an on-hold work order waits: the reason code and text given with its last hold."""
    if status != "on_hold":
        return None
    for h in reversed(history):
        changes = h["changes"] or {}
        if (changes.get("status") or {}).get("to") == "on_hold":
            return {"code": (changes.get("holdReasonCode") or {}).get("to"),
                    "text": (changes.get("holdReason") or {}).get("to")}
    return None


def _can_work(actor: Actor, wo) -> bool:
    """Whether the checklist, parts and labor forms are offered (the services decide again)."""
    if wo.status in CLOSED_STATUSES:
        return False
    try:
        checklist_service.check_work_rights(actor, wo)
    except DomainError:
        return False
    return True


@web.get("/work-orders/<work_order_id>")
@login_required
def work_order_page(work_order_id: str):
    return render("work_orders/detail.html", block="detail", **detail_context(_actor(), work_order_id))


def _field_errors(exc: DomainError, default: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors:
        errors.setdefault(err.get("field") or default, err["message"])
    if not errors:
        errors[default] = exc.message
    return errors


def _done(work_order_id: str, message: str, template: str, block: str, **ctx: Any) -> Response:
    """After a change: the fragment for htmx, else back to the page (a plain form post)."""
    if not wants_fragment():
        flash(message, "success")
        return redirect(url_for("web.work_order_page", work_order_id=work_order_id))
    return render(template, block=block, **ctx)


@web.post("/work-orders/<work_order_id>/status")
@login_required
def work_order_status(work_order_id: str):
    """One transition: the buttons post status (+ holdReasonCode and holdReason, + completionNotes)."""
    actor = _actor()
    data = {k: v for k, v in request.form.items()
            if k in ("status", "holdReason", "holdReasonCode", "completionNotes", *failure_codes.FIELDS.values())
            and v.strip()}
    refused = hold_refusal(actor, data) if data.get("status") == "on_hold" else None
    if refused:
        # The page always asks why; the API leaves the reason optional for existing clients.
        ctx = detail_context(actor, work_order_id, errors=refused, form=data, chosen="on_hold")
        return render("work_orders/detail.html", block="detail", status=422, **ctx)
    update = form_model(WorkOrderUpdate, _multidict(data))
    if isinstance(update, dict):
        return render("work_orders/detail.html", block="detail", status=422,
                      **detail_context(actor, work_order_id, errors=update, form=data, chosen=data.get("status")))
    try:
        work_order_service.update_work_order(actor, work_order_id, update)
    except (Conflict, ValidationFailed) as exc:
        missing = [{"id": str(e["field"]).removeprefix("checklist."),
                    "text": e["message"].removeprefix("Required item not done: ")}
                   for e in exc.errors if str(e.get("field", "")).startswith("checklist.")]
        errors = {} if missing else _field_errors(exc, "status")
        return render("work_orders/detail.html", block="detail", status=422,
                      **detail_context(actor, work_order_id, errors=errors, missing=missing, form=data,
                                       chosen=data.get("status")))
    # The number and status the message names from the page's own read (detail_context), after
    # the change: `wo` was expired by the service's commit, and reading it again cost a statement.
    ctx = detail_context(actor, work_order_id)
    ctx["flash_now"] = f"{ctx['wo'].fo_number} is now {WORK_ORDER_STATUS.label(ctx['wo'].status).lower()}."
    return _done(work_order_id, ctx["flash_now"], "work_orders/detail.html", "detail", **ctx)


@web.post("/work-orders/<work_order_id>/estimate")
@login_required
def work_order_estimate(work_order_id: str):
    """The planner's estimate in minutes (managers): PATCH's estimatedDuration; empty clears it."""
    actor = _actor()
    given = request.form.get("estimatedDuration", "").strip()
    update = form_model(WorkOrderUpdate, _multidict({"estimatedDuration": given} if given else {}))
    if isinstance(update, dict):
        return render("work_orders/detail.html", block="detail", status=422, **detail_context(
            actor, work_order_id, errors={"estimatedDuration": "Give whole minutes from 1 to 100000"},
            form={"estimatedDuration": given}, estimate_open=True))
    if not given:
        update = WorkOrderUpdate.model_validate({"estimatedDuration": None})
    try:
        wo = work_order_service.update_work_order(actor, work_order_id, update)
    except (Conflict, ValidationFailed) as exc:
        return render("work_orders/detail.html", block="detail", status=422, **detail_context(
            actor, work_order_id, errors=_field_errors(exc, "estimatedDuration"),
            form={"estimatedDuration": given}, estimate_open=True))
    message = f"{wo.fo_number}: estimate {'saved' if wo.estimated_duration else 'cleared'}."
    ctx = detail_context(actor, work_order_id, flash_now=message)
    return _done(work_order_id, message, "work_orders/detail.html", "detail", **ctx)


def hold_refusal(actor: Actor, data: dict[str, str]) -> dict[str, str] | None:
    """The portal's hold needs a reason: one of the list, and with "Other" (or no list) a few words."""
    code = data.get("holdReasonCode")
    if not code and not data.get("holdReason"):
        if hold_reasons_service.list_reasons(actor):
            return {"holdReasonCode": "Pick why the work waits"}
        return {"holdReason": "Say why the work waits"}
    if code == hold_reasons_service.OTHER and not data.get("holdReason"):
        return {"holdReason": "Say why the work waits"}
    return None


@web.post("/work-orders/<work_order_id>/checklist/<item_id>")
@login_required
@live_poll.answers_own_change
def checklist_item(work_order_id: str, item_id: str):
    """Tick an item or record its reading: one small request per item, answered with its row."""
    actor = _actor()
    form = request.form.copy()
    if "done" in form:  # a hidden "false" before the checkbox's "true": unticking sends only "false"
        form.setlist("done", ["true" if "true" in form.getlist("done") else "false"])
    update = form_model(ChecklistItemUpdate, form)
    errors: dict[str, str] = {}
    if isinstance(update, dict):
        errors = update
    else:
        try:
            checklist_service.update_item(actor, work_order_id, item_id, update, typed=True,
                                          device_at=device_time())
        except ValidationFailed as exc:
            errors = _field_errors(exc, "value")
    ctx = _item_context(actor, work_order_id, item_id, item_errors=errors)
    if errors:
        ctx["typed"] = request.form.get("value", "")  # shown again as typed, beside what is wrong with it
        return render("work_orders/_checklist_item.html", block="item", status=422, **ctx)
    resp = _done(work_order_id, "Checklist saved.", "work_orders/_checklist_item.html", "item", **ctx)
    if wants_fragment():
        # The status bar's "2 of 4 done" follows the tick (an out-of-band swap).
        resp.set_data(resp.get_data(as_text=True) + render_block(
            "work_orders/detail.html", "progress_oob", progress=ctx["progress"]))
    return resp


def _item_context(actor: Actor, work_order_id: str, item_id: str, **extra: Any) -> dict:
    """What one checklist item's row shows (its follow-up's number among them)."""
    wo = work_order_service.get_work_order(actor, work_order_id)
    items = checklist_service.items_of(wo.id)
    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        from portal.web.errors import error_page
        abort(error_page(404, "Checklist item not found"))
    # The progress from the same read: the status bar's count follows a tick (checklist_item).
    return {"wo": wo, "item": item, "item_errors": {}, "can_work": _can_work(actor, wo),
            "progress": checklist_progress(items),
            "names": _names_of(actor, {item.done_by}),
            "relations": follow_ups.relations(actor, wo, [item]), **extra}


def _names_of(actor: Actor, user_ids: set[str | None]) -> dict[str, str]:
    """The names of these people as the page writes them (name, else e-mail); the acting person's
    from the request's snapshot (acting.py): a tick is nearly always ticked by whoever looks at it."""
    if user_ids == {actor.id}:
        return {actor.id: request_name() or actor.email}
    return reads.labels(actor, user_ids=user_ids).names


@web.post("/work-orders/<work_order_id>/checklist/<item_id>/follow-up")
@login_required
def checklist_follow_up(work_order_id: str, item_id: str):
    """The one tap on a flagged item: its follow-up work order (or the one it already has)."""
    actor = _actor()
    errors: dict[str, str] = {}
    try:
        follow_up, created = checklist_service.create_follow_up(actor, work_order_id, item_id)
    except Conflict as exc:
        errors = {"followUp": exc.message}
    ctx = _item_context(actor, work_order_id, item_id, item_errors=errors)
    if errors:
        return render("work_orders/_checklist_item.html", block="item", status=422, **ctx)
    message = f"Follow-up {follow_up.fo_number} {'created' if created else 'already exists'}."
    return _done(work_order_id, message, "work_orders/_checklist_item.html", "item", **ctx)


def _wanted(source: Mapping[str, str]) -> int:
    """The quantity typed next to the picker (1 while it is empty or not a number yet)."""
    raw = source.get("quantityUsed", "").strip()
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 1_000_000 else 1


@web.get("/work-orders/<work_order_id>/parts/search")
@login_required
def part_search(work_order_id: str):
    """The part picker's options: the warehouse's parts matching the text, in stock first, with
    what their stock means for the quantity typed ("Only 2 in stock")."""
    actor = _actor()
    wo = work_order_service.get_work_order(actor, work_order_id)
    q = request.args.get("partQ", "").strip()[:200]
    choices = parts_service.pick_parts(actor, q or None, _wanted(request.args))
    # The part already picked stays picked when a slower search answer replaces the options.
    picked = {"partId": request.args.get("partId", "")}
    return render("work_orders/_parts.html", block="options", wo=wo, choices=choices, part_q=q,
                  part_form=picked, can_work=_can_work(actor, wo),
                  part_requests=request_service.part_requests_of(actor, wo.id))


def _parts_context(actor: Actor, work_order_id: str, **extra: Any) -> dict:
    """What the parts section (the answer to adding or requesting a part) shows, from a read of
    that section alone: the work order as it is now, its parts with their names, its part requests.
    Not detail_context: the whole page's read and its failure codes, hold reasons and history cost
    several times this, for markup the answer does not carry."""
    wo = work_order_service.get_work_order(actor, work_order_id)
    section = reads.parts_section(actor, wo.id)
    return {"wo": wo, "consumed": section.consumed, "parts_cost": section.parts_cost, "part_of": section.part_of,
            "can_work": _can_work(actor, wo), "part_requests": request_service.part_requests_of(actor, wo.id),
            **extra}


def _labor_context(actor: Actor, work_order_id: str, **extra: Any) -> dict:
    """What the labor section (the answer to booking time or the timer) shows, from a read of that
    section alone: the work order as it is now (its total), the entries with their people's names,
    the actor's timer."""
    wo = work_order_service.get_work_order(actor, work_order_id)
    labor, names = reads.labor_section(actor, wo.id)
    return {"wo": wo, "labor": labor, "names": names, "can_work": _can_work(actor, wo),
            "timer": labor_service.running_timer(actor, wo.id), **extra}


def _closed_for_parts(work_order_id: str, message: str) -> Response:
    """The work order's page with the refusal in words (htmx: HX-Redirect, so the whole page shows the
    order as it is now, with the message in the layout's flash region)."""
    flash(message, "error")
    url = url_for("web.work_order_page", work_order_id=work_order_id)
    if wants_fragment():
        resp = Response("", 200)  # htmx follows HX-Redirect; an error status would add a toast too
        resp.headers["HX-Redirect"] = url
        return resp
    return redirect(url, 303)


@web.post("/work-orders/<work_order_id>/parts")
@login_required
@live_poll.answers_own_change
def consume_part(work_order_id: str):
    """Take one part out of stock for this work order, through the service of /api/parts/consume;
    a short stock is answered next to the quantity."""
    actor = _actor()
    work_order_service.get_work_order(actor, work_order_id)  # another warehouse's id: 404 first
    line = {k: v for k, v in request.form.items() if k in ("partId", "quantityUsed")}
    usage = form_model(PartUsage, _multidict(line))
    if isinstance(usage, dict):
        errors = usage
    else:
        errors = {}
        try:
            parts_service.consume_parts(actor, ConsumeParts(workOrderId=work_order_id, partsUsage=[usage]))
        except DomainError as exc:
            if isinstance(exc, Conflict) and any(err.get("field") == "workOrderId" for err in exc.errors):
                # Completed or cancelled since this page was opened: the page again, saying why.
                return _closed_for_parts(work_order_id, exc.message)
            for err in exc.errors or [{"field": "quantityUsed", "message": exc.message}]:
                key = "quantityUsed" if "quantityUsed" in str(err.get("field")) else "partId"
                errors.setdefault(key, err["message"])
    ctx = _parts_context(actor, work_order_id, part_errors=errors, part_form=line if errors else {})
    if errors and line.get("partId"):
        # Keep the picked part on screen, with its current stock, so only the quantity needs fixing.
        with suppress(DomainError):
            ctx["choices"] = [parts_service.PartChoice(parts_service.get_part(actor, line["partId"]),
                                                       _wanted(line))]
    if errors:
        return render("work_orders/_parts.html", block="parts", status=422, **ctx)
    return _done(work_order_id, "Part added.", "work_orders/_parts.html", "parts", **ctx)


@web.post("/work-orders/<work_order_id>/part-requests")
@login_required
@live_poll.answers_own_change
def request_part(work_order_id: str):
    """"Request this part" in the picker: the part and how many ride on the button's URL (the
    button sits inside the consumption form, whose fields are not its own), through the service
    of POST /api/work-orders/{id}/part-requests."""
    actor = _actor()
    work_order_service.get_work_order(actor, work_order_id)  # another warehouse's id: 404 first
    data = form_model(PartRequestCreate, _multidict(
        {"partId": request.args.get("partId", ""), "quantity": request.args.get("quantity", "")}))
    message = ""
    if isinstance(data, dict):
        errors = {"request": next(iter(data.values()))}
    else:
        errors = {}
        try:
            reorder, created = request_service.request_part(actor, work_order_id, data)
        except (Conflict, ValidationFailed) as exc:
            errors = {"request": exc.errors[0]["message"] if exc.errors else exc.message}
        else:
            part = parts_service.get_part(actor, reorder.part_id)
            message = (f"{part.part_number}: {reorder.quantity} requested. The manager sees it with the "
                       "reorder requests." if created else
                       f"{part.part_number}: the request is now for {reorder.quantity}.")
    ctx = _parts_context(actor, work_order_id, part_errors=errors, part_requested=message)
    if errors:
        return render("work_orders/_parts.html", block="parts", status=422, **ctx)
    return _done(work_order_id, message, "work_orders/_parts.html", "parts", **ctx)


@web.post("/work-orders/<work_order_id>/labor")
@login_required
@live_poll.answers_own_change
def add_labor(work_order_id: str):
    """Minutes typed in, or the timer started / stopped / discarded (`action`)."""
    actor = _actor()
    action = request.form.get("action", "book")
    errors: dict[str, str] = {}
    message = "Labor booked."
    try:
        if action == "start":
            labor_service.start_timer(actor, work_order_id, device_at=device_time())
            message = "Timer started."
        elif action == "stop":
            labor_service.stop_timer(actor, work_order_id, note=request.form.get("note") or None,
                                     device_at=device_time())
            message = "Timer stopped and labor booked."
        elif action == "discard":
            work_order_service.get_work_order(actor, work_order_id)
            labor_service.discard_timer(actor, work_order_id)
            message = "Timer discarded."
        else:
            data = form_model(LaborCreate, _multidict(
                {k: v for k, v in request.form.items() if k in ("minutes", "note")}))
            if isinstance(data, dict):
                errors = data
            else:
                labor_service.add_labor(actor, work_order_id, data)
    except (ValidationFailed, Conflict) as exc:
        errors = _field_errors(exc, "minutes")
    ctx = _labor_context(actor, work_order_id, labor_errors=errors,
                         labor_form={k: request.form.get(k, "") for k in ("minutes", "note")} if errors else {})
    if errors:
        return render("work_orders/_labor.html", block="labor", status=422, **ctx)
    return _done(work_order_id, message, "work_orders/_labor.html", "labor", **ctx)
