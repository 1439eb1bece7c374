"""/admin/warehouse (admins): problem reports without an account on or off, the time zone."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.schemas.warehouse import WarehouseUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError
from portal.services.identity import warehouses as warehouse_service
from portal.web.blueprint import web
from portal.web.forms import form_model
from portal.web.rendering import render


@web.route("/admin/warehouse", methods=["GET", "POST"])
@login_required
def admin_warehouse():
    actor = Actor.of(current_user.user)
    warehouse = warehouse_service.get_settings(actor)  # 403 for everyone but admins
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = form_model(WarehouseUpdate, request.form)
        if isinstance(form, dict):
            errors = form
        else:
            try:
                warehouse_service.update_settings(actor, form)
            except DomainError as exc:
                if exc.status in (403, 404):
                    raise
                errors = {e["field"]: e["message"] for e in exc.errors} or {"timezone": exc.message}
            else:
                flash("Warehouse settings saved.", "success")
                return redirect(url_for("web.admin_warehouse"), 303)
    return render("admin/warehouse.html", status=422 if errors else 200, warehouse=warehouse, errors=errors,
                  form=request.form)
