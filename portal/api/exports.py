"""CSV exports, streamed: GET /api/equipment/export, /api/parts/export, /api/work-orders/export."""
from __future__ import annotations

from portal.api.blueprint import api
from portal.api.common import actor, documented, query_args
from portal.platform.http.serving import csv_download
from portal.schemas.equipment import EquipmentQuery
from portal.schemas.parts import PartQuery
from portal.schemas.work_orders import WorkOrderExportQuery
from portal.services.data_exchange import exports as service
from portal.services.data_exchange.columns import COLUMNS

CSV_CONTENT = {"text/csv": {"schema": {"type": "string"}}}
NDJSON = "application/x-ndjson"
STREAMED = ("Streamed (rows read and sent in chunks, any size); page and limit are ignored. Text cells starting "
            "with = + - @ (or tab, carriage return) are prefixed with ' against formula injection.")


@api.get("/equipment/export")
@documented(summary="Export equipment as CSV", query=EquipmentQuery, response_content=CSV_CONTENT,
            description="The import's columns (" + ", ".join(COLUMNS["assets"]) + "), so the file imports "
                        "again through POST /api/imports as 0 created, N updated. Filters as GET /api/equipment. "
                        + STREAMED)
def export_equipment():
    return csv_download(service.export_equipment(actor(), query_args(EquipmentQuery)), "assets.csv")


@api.get("/parts/export")
@documented(summary="Export parts as CSV", query=PartQuery, response_content=CSV_CONTENT,
            description="The import's columns (" + ", ".join(COLUMNS["parts"]) + "). Filters as GET /api/parts. "
                        + STREAMED)
def export_parts():
    return csv_download(service.export_parts(actor(), query_args(PartQuery)), "parts.csv")


@api.get("/work-orders/export")
@documented(summary="Export work orders as CSV or NDJSON", query=WorkOrderExportQuery,
            response_content={**CSV_CONTENT, NDJSON: {"schema": {"type": "string"}}},
            description="CSV columns " + ", ".join(service.WORK_ORDER_COLUMNS) + "; or format=ndjson: one work "
                        "order per line, as the list writes it, and a last line {\"end\": true, \"rows\": N}. "
                        "The same filters (updatedSince, createdAfter, createdBefore too) and sort as "
                        "GET /api/work-orders, every page. " + STREAMED)
def export_work_orders():
    query = query_args(WorkOrderExportQuery)
    if query.format == "ndjson":
        return csv_download(service.export_work_orders_ndjson(actor(), query), "work-orders.ndjson", NDJSON)
    return csv_download(service.export_work_orders(actor(), query), "work-orders.csv")
