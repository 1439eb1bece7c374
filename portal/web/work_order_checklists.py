"""Checklists for ad-hoc work orders in the portal: the work order page's "Add checklist items…"
(a PM template's checklist copied, or one item typed in) and the creation form's checklist fields.
The rules (who, which work orders, while open) live in services/work_orders/checklists.py."""
from __future__ import annotations

from flask import request
from flask.wrappers import Response
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from portal.schemas.pm import ChecklistAdd, ChecklistItemIn
from portal.services.common.errors import DomainError
from portal.services.work_orders import checklists as checklist_service
from portal.web.blueprint import web
from portal.web.forms import form_model, validate_model
from portal.web.rendering import render
from portal.web.work_orders import _actor, _done, detail_context

ITEM_FIELDS = ("description", "type", "required", "unit", "min", "max")


def _typed_item(form: MultiDict) -> ChecklistAdd | dict[str, str]:
    """One item typed in on the work order page; unit and limits only for a measurement (the form
    shows them for every kind), and min/max may carry the plant's decimal comma."""
    given = MultiDict({k: form.get(k, "").strip() for k in ITEM_FIELDS if form.get(k, "").strip()})
    if given.get("type", "checkbox") != "measurement":
        for name in ("unit", "min", "max"):
            given.pop(name, None)
    for name in ("min", "max"):
        if name in given:
            given[name] = given[name].replace(",", ".", 1)
    item = form_model(ChecklistItemIn, given)
    if isinstance(item, dict):
        return {("form" if key in ("", "body") else key): message for key, message in item.items()}
    return ChecklistAdd.model_validate({"items": [item]})


def _template_copy(template_id: str) -> ChecklistAdd | dict[str, str]:
    """A template picked in a select: anything not one of its options is simply not found."""
    copied = validate_model(ChecklistAdd, {"fromTemplateId": template_id})
    return {"fromTemplateId": "PM template not found"} if isinstance(copied, dict) else copied


def creation_checklists(form: MultiDict) -> list[ChecklistAdd] | dict[str, str]:
    """The creation form's checklist: a PM template's (fromTemplateId) and/or checks typed one per
    line (checklistItems); [] for none, or {field: message}."""
    checklists: list[ChecklistAdd] = []
    if form.get("fromTemplateId"):
        copied = _template_copy(form["fromTemplateId"])
        if isinstance(copied, dict):
            return copied
        checklists.append(copied)
    lines = [line.strip() for line in form.get("checklistItems", "").splitlines() if line.strip()]
    if lines:
        typed = validate_model(ChecklistAdd, {"items": [{"description": line} for line in lines]})
        if isinstance(typed, dict):
            return {"checklistItems": "Each item is one line of at most 500 characters, at most 200 items"}
        checklists.append(typed)
    return checklists


@web.post("/work-orders/<work_order_id>/checklist")
@login_required
def checklist_add(work_order_id: str) -> Response:
    """Add items to an ad-hoc work order's checklist; answers the page's detail block (htmx) or the
    page again, with the new items in the checklist."""
    actor = _actor()
    if request.form.get("source") == "template":
        data: ChecklistAdd | dict[str, str] = (
            _template_copy(request.form["fromTemplateId"]) if request.form.get("fromTemplateId")
            else {"fromTemplateId": "Choose the PM template whose checklist to copy"})
    else:
        data = _typed_item(request.form)
    if not isinstance(data, dict):
        try:
            before = len(checklist_service.get_checklist(actor, work_order_id))
            items = checklist_service.add_items(actor, work_order_id, data)
        except DomainError as exc:
            if exc.status not in (400, 409):
                raise
            field = next((e.get("field") for e in exc.errors if e.get("field") in ("fromTemplateId",)), None)
            data = {field or "form": exc.errors[0]["message"] if field else exc.message}
        else:
            added = len(items) - before
            message = f"{added} checklist item{'s' if added != 1 else ''} added."
            ctx = detail_context(actor, work_order_id, flash_now=message)
            return _done(work_order_id, message, "work_orders/detail.html", "detail", **ctx)
    ctx = detail_context(actor, work_order_id, checklist_errors=data, checklist_form=request.form,
                         checklist_open=True)
    return render("work_orders/detail.html", block="detail", status=422, **ctx)
