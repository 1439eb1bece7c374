"""/pm-templates: the PM template list and editor (managers and admins), on services/pm/templates.py like the API.

The editor is one form. Its checklist is edited in place: "Add item", "Remove", "Move up/down" are
submit buttons named `op` that post the whole form back to the same URL; the answer is the form
re-rendered with the change applied and NOTHING SAVED (htmx: only the checklist block, so no page
reload; without JavaScript: the whole page). "Save" validates and saves everything at once, with
PMTemplateCreate / PMTemplateUpdate. Nothing typed is lost in between: every op carries all rows,
a refused save shows the form as typed, and portal.js asks before leaving a changed form.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask import flash, redirect, request, url_for
from flask.wrappers import Response
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from portal.models import PMTemplate
from portal.models.enums import CHECKLIST_TYPE, FREQUENCY_TYPE, PRIORITY
from portal.models.types import utcnow
from portal.schemas.messages import required_message
from portal.schemas.pm import FLAGGABLE, PMSchedulePreviewQuery, PMTemplateCreate, PMTemplateQuery, PMTemplateUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError, Forbidden
from portal.services.identity.permissions import can
from portal.services.pm import scheduler
from portal.services.pm import templates as pm_service
from portal.web import timefmt
from portal.web.blueprint import web
from portal.web.forms import date_input, form_data, form_model, local_date, validate_model
from portal.web.rendering import render, wants_fragment

LIST_PAGE = 25
PREVIEW_COUNT = 5
ROW_KEY = re.compile(r"^checklist-(\d{1,3})-(id|description|type|required|unit|min|max|auto)$")
# Optional template fields a manager may clear by emptying their input (PATCH null in the API).
CLEARABLE = {"description": "description", "meter": "meter", "estimatedDuration": "estimated_duration",
             "assignedTo": "assigned_to"}
REQUIRED = ("name", "frequency", "leadDays", "startDate")
TOP_FIELDS = ("name", "description", "frequencyType", "frequency", "meter", "estimatedDuration", "priority",
              "assignedTo", "leadDays", "startDate", "active", "requiresSignature")


def _actor() -> Actor:
    return Actor.of(current_user.user)


def _tz():
    return timefmt.zone(current_user.warehouse.timezone)


def _require_write() -> Actor:
    """The editor's pages and fragments; saving is refused by the service itself (pm.write)."""
    actor = _actor()
    if not can(actor, "pm.write"):
        raise Forbidden("Only managers and admins edit PM templates")
    return actor


def _errors_of(exc: DomainError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for item in exc.errors:
        errors.setdefault(item.get("field") or "_", item.get("message") or exc.message)
    return errors or {"_": exc.message}


# --- checklist rows: what the page shows and posts ---------------------------------------------

def _num(value: float | None) -> str:
    """A stored number as typed back into an input, without losing digits (12.0 -> "12")."""
    if value is None:
        return ""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _dom(item_id: str) -> str:
    # Item ids are free text (API): the page's element ids are a hash of them, stable across ops.
    return "ck-" + hashlib.sha1(item_id.encode()).hexdigest()[:10]


def rows_of_template(template: PMTemplate) -> list[dict]:
    return [{"id": item["id"], "description": item["description"], "type": item["type"],
             "required": "true" if item.get("required") else "", "unit": item.get("unit") or "",
             "min": _num(item.get("min")), "max": _num(item.get("max")),
             "auto": "true" if item.get("auto_follow_up") else ""} for item in template.checklist or []]


def rows_of_form(form: MultiDict) -> list[dict]:
    """The checklist rows as posted, in page order (checklist-<n>-<field>)."""
    rows: dict[int, dict] = {}
    for key in form:
        match = ROW_KEY.match(key)
        if match:
            rows.setdefault(int(match[1]), {})[match[2]] = form.get(key, "")
    return [rows[n] for n in sorted(rows)]


def _item(row: dict) -> dict:
    """A row as ChecklistItemIn: unit/min/max only for measurements (the page hides, not clears, them)."""
    item = {"description": row.get("description", ""), "type": row.get("type") or "checkbox",
            "required": row.get("required") == "true"}
    if row.get("id"):
        item["id"] = row["id"]
    if item["type"] == "measurement":
        item.update({k: row[k] for k in ("unit", "min", "max") if row.get(k, "") != ""})
        for k in ("min", "max"):  # the plant's decimal comma: "10,5" is 10.5 (readings.py says why)
            if k in item and item[k].count(",") == 1 and "." not in item[k]:
                item[k] = item[k].replace(",", ".")
    if item["type"] in FLAGGABLE and row.get("auto") == "true":
        item["autoFollowUp"] = True
    return item


def apply_op(rows: list[dict], op: str) -> tuple[list[dict], str, str | None]:
    """Add, remove or move one row. Returns the rows, a message for screen readers and the element
    to focus afterwards (so a keyboard user stays where they were)."""
    kind, _, index = op.partition(":")
    n = int(index) if index.isdigit() else -1
    if kind == "add":
        taken = {r.get("id") for r in rows}
        new_id = "i-" + secrets.token_hex(4)
        while new_id in taken:
            new_id = "i-" + secrets.token_hex(4)
        rows.append({"id": new_id, "description": "", "type": "checkbox", "required": ""})
        return rows, f"Item {len(rows)} added.", _dom(new_id) + "-description"
    if not 0 <= n < len(rows):
        return rows, "", None
    row = rows[n]
    if kind == "remove":
        rows.pop(n)
        near = rows[min(n, len(rows) - 1)] if rows else None
        focus = _dom(near["id"]) + "-remove" if near and near.get("id") else "pm-add-item"
        return rows, f"Item removed: {row.get('description') or 'empty item'}.", focus
    if kind in ("up", "down"):
        to = n - 1 if kind == "up" else n + 1
        if 0 <= to < len(rows):
            rows[n], rows[to] = rows[to], rows[n]
            return rows, f"Moved {kind} to position {to + 1}.", _dom(row.get("id") or "") + "-" + kind
        return rows, f"Already {'first' if kind == 'up' else 'last'}.", _dom(row.get("id") or "") + "-" + kind
    return rows, "", None


def _view_rows(rows: list[dict]) -> list[dict]:
    for row in rows:
        row.setdefault("id", "i-" + secrets.token_hex(4))
        row["dom"] = _dom(row["id"])
    return rows


# --- preview ------------------------------------------------------------------------------------

def _preview(values: MultiDict, template: PMTemplate | None) -> dict:
    """The next due dates the scheduler would give an asset joining today (services/pm/scheduler.py calendar_preview)."""
    raw = {k: values.get(k, "") for k in ("frequencyType", "frequency", "startDate", "leadDays", "meter")}
    start_unchanged = template is not None and raw["startDate"] in ("", date_input(template.start_date, _tz()))
    raw["startDate"] = "" if start_unchanged else local_date(raw["startDate"], _tz())
    query = form_model(PMSchedulePreviewQuery, MultiDict(raw))
    if isinstance(query, dict):
        return {"preview": None, "preview_errors": query}
    if query.frequency_type != "calendar":
        return {"preview": None, "preview_meter": {"every": query.frequency, "meter": query.meter or "meter units",
                                                   "days": query.lead_days}}
    now = utcnow()
    start = template.start_date if start_unchanged else (query.start_date or now)
    dues = scheduler.calendar_preview(query.frequency, start, added_at=now, count=PREVIEW_COUNT)
    return {"preview": [{"due": due, "create": due - timedelta(days=query.lead_days)} for due in dues],
            "preview_lead": query.lead_days}


# --- pages --------------------------------------------------------------------------------------

def _editor(actor: Actor, template: PMTemplate | None = None, *, values: MultiDict | None = None,
            rows: list[dict] | None = None, errors: dict | None = None, block: str = "content",
            status: int = 200, **ctx) -> Response:
    values = values if values is not None else MultiDict()
    errors = errors or {}
    if block == "checklist" and wants_fragment():  # an op's answer for htmx: the rows only, nothing else to read
        return render("pm/editor.html", block=block, status=status, template=template, rows=_view_rows(rows or []),
                      errors=errors, checklist_types=CHECKLIST_TYPE, **ctx)
    described = pm_service.describe_template(template) if template is not None else None
    if rows is None:
        rows = rows_of_template(template) if template is not None else []
    # After an op or an error the ticked boxes are the posted ones; else the template's.
    selected = set(values.getlist("equipmentIds") if values or described is None else described["equipment_ids"])
    if not values and template is not None:
        values = MultiDict({"frequencyType": template.frequency_type, "frequency": str(template.frequency),
                            "leadDays": str(template.lead_days), "startDate": date_input(template.start_date, _tz()),
                            "meter": template.meter or ""})
    schedule = {row["equipment_id"]: row for row in described["schedule"]} if described else {}
    return render("pm/editor.html", block=block, status=status, template=template, values=values,
                  rows=_view_rows(rows), errors=errors, selected=selected,
                  schedule=schedule, frequency_types=FREQUENCY_TYPE, checklist_types=CHECKLIST_TYPE,
                  priorities=PRIORITY, top_fields=TOP_FIELDS, **pm_service.template_choices(actor),
                  **_preview(values, template), **ctx)


def _payload(model: type, rows: list[dict], template: PMTemplate | None):
    """The form as the API's body: dates in the warehouse zone (an unchanged start date is not sent,
    so saving never moves its time of day), the whole checklist and asset list, cleared fields null."""
    form = request.form.copy()
    if form.get("startDate"):
        if template is not None and form["startDate"] == date_input(template.start_date, _tz()):
            del form["startDate"]
        else:
            form["startDate"] = local_date(form["startDate"], _tz())
    if form.get("frequencyType") == "calendar":
        form.pop("meter", None)  # a calendar template follows no meter (the service clears it too)
    data = form_data(model, form, skip=("checklist-", "op"))
    data["checklist"] = [_item(row) for row in rows]
    data.setdefault("equipmentIds", [])
    result = validate_model(model, data)
    # On edit an emptied required input is absent to PATCH ("unchanged"): say it is required instead.
    emptied = {key: required_message(key, model) for key in REQUIRED if template is not None and form.get(key) == ""}
    if emptied:
        return {**emptied, **result} if isinstance(result, dict) else emptied
    if template is not None and not isinstance(result, dict):
        cleared = {name: None for key, name in CLEARABLE.items() if form.get(key, None) == ""}
        if cleared:
            result = result.model_copy(update=cleared)
    return result


@web.get("/pm-templates")
@login_required
def pm_templates() -> Response:
    actor = _require_write()
    args = MultiDict({k: v for k, v in request.args.items() if k in ("q", "active", "page") and v != ""})
    query = form_model(PMTemplateQuery, MultiDict({**args, "limit": str(LIST_PAGE)}))
    errors: dict[str, str] = {}
    if isinstance(query, dict):
        errors, query = query, PMTemplateQuery(limit=LIST_PAGE)
    page = pm_service.list_templates(actor, query)
    return render("pm/list.html", block="results", status=422 if errors else 200, page=page, errors=errors,
                  args={k: v for k, v in args.items() if k != "page"},
                  summaries=pm_service.template_summaries(page.items), frequency_types=FREQUENCY_TYPE)


@web.get("/pm-templates/preview")
@login_required
def pm_template_preview() -> Response:
    """The preview block alone, refreshed by htmx when frequency, start date or lead days change."""
    actor = _require_write()
    template_id = request.args.get("templateId")
    template = pm_service.get_template(actor, template_id) if template_id else None
    if not wants_fragment():  # opened directly (a bookmark, a new tab): the editor it belongs to
        return redirect(url_for("web.pm_template_edit", template_id=template.id) if template
                        else url_for("web.pm_template_new"))
    return render("pm/editor.html", block="preview", template=template, **_preview(request.args, template))


@web.route("/pm-templates/new", methods=["GET", "POST"])
@login_required
def pm_template_new() -> Response:
    actor = _require_write() if request.method == "GET" or request.form.get("op") else _actor()
    if request.method == "GET":
        return _editor(actor, values=MultiDict({"frequencyType": "calendar", "frequency": "30", "leadDays": "7",
                                                "priority": "medium"}))
    rows = rows_of_form(request.form)
    if request.form.get("op"):
        rows, note, focus = apply_op(rows, request.form["op"])
        return _editor(actor, values=request.form, rows=rows, block="checklist", note=note, focus=focus)
    data = _payload(PMTemplateCreate, rows, None)
    if not isinstance(data, dict):
        try:
            template = pm_service.create_template(actor, data)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            data = _errors_of(exc)
        else:
            flash(f"PM template {template.name} created.", "success")
            return redirect(url_for("web.pm_template_edit", template_id=template.id), 303)
    return _editor(actor, values=request.form, rows=rows, errors=data, status=422, dirty=True)


@web.route("/pm-templates/<template_id>", methods=["GET", "POST"])
@login_required
def pm_template_edit(template_id: str) -> Response:
    actor = _require_write() if request.method == "GET" or request.form.get("op") else _actor()
    template = pm_service.get_template(actor, template_id)  # another warehouse's template: 404
    if request.method == "GET":
        return _editor(actor, template)
    rows = rows_of_form(request.form)
    if request.form.get("op"):
        rows, note, focus = apply_op(rows, request.form["op"])
        return _editor(actor, template, values=request.form, rows=rows, block="checklist", note=note, focus=focus)
    data = _payload(PMTemplateUpdate, rows, template)
    if not isinstance(data, dict):
        try:
            template = pm_service.update_template(actor, template_id, data)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            data = _errors_of(exc)
        else:
            flash(f"PM template {template.name} saved.", "success")
            return redirect(url_for("web.pm_template_edit", template_id=template.id), 303)
    return _editor(actor, template, values=request.form, rows=rows, errors=data, status=422, dirty=True)
