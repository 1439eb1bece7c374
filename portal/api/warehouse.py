"""The admin's warehouse settings and label report tokens."""
from __future__ import annotations

from flask import current_app, jsonify, url_for

from portal.api.blueprint import api
from portal.api.common import actor, documented, json_body
from portal.schemas.warehouse import ReportTokenOut, WarehouseOut, WarehouseUpdate
from portal.services.identity import warehouses as service
from portal.services.work_orders import problem_reports


@api.get("/warehouse")
@documented(summary="The settings of my warehouse", response=WarehouseOut, permission="warehouse.manage")
def get_warehouse():
    return jsonify(WarehouseOut.dump(service.get_settings(actor())))


@api.patch("/warehouse")
@documented(summary="Change the settings of my warehouse", body=WarehouseUpdate, response=WarehouseOut,
            permission="warehouse.manage",
            description="problemReportsEnabled turns the public problem-report pages (/report/<token>, one per "
                        "asset, printed as a QR code on its label) on or off; timezone is the IANA zone the "
                        "portal shows times in. Only the fields given change.")
def update_warehouse():
    return jsonify(WarehouseOut.dump(service.update_settings(actor(), json_body(WarehouseUpdate))))


@api.post("/equipment/<equipment_id>/report-token")
@documented(summary="Rotate the problem-report token of an asset's label", response=ReportTokenOut,
            permission="warehouse.manage",
            description="A new unguessable token (256 bits, url-safe) for /report/<token>; the previous one answers "
                        "404 at once, so a lost or copied label stops working. Reprint the label afterwards.")
def rotate_report_token(equipment_id: str):
    eq = problem_reports.rotate_report_token(actor(), equipment_id)
    return jsonify(ReportTokenOut.dump({
        "equipment_id": eq.id, "report_token": eq.report_token,
        # Like the paging links, never built from the Host header: relative unless PUBLIC_BASE_URL is set.
        "report_url": current_app.config.get("PUBLIC_BASE_URL", "") + url_for("web.report", token=eq.report_token)}))
