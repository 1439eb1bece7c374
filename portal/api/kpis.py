from __future__ import annotations

from flask import jsonify
from pydantic.alias_generators import to_camel

from portal.api.blueprint import api
from portal.api.common import actor, documented, page_response, query_args
from portal.schemas.kpis import KPI_RECORD_FIGURES, KpiRecordOut, KpiRecordsQuery, KpisOut, KpisQuery, TrendsOut
from portal.schemas.pm import DaysQuery
from portal.services.common.errors import NotFound
from portal.services.reporting import drilldown, reads
from portal.services.reporting import kpis as service


@api.get("/kpis")
@documented(summary="Maintenance KPIs over the last `days` days", query=KpisQuery, response=KpisOut,
            permission="kpis.read", other_responses={404: "equipmentId is not an asset of your warehouse"},
            description=service.KPI_DEFINITIONS)
def get_kpis():
    query = query_args(KpisQuery)
    return jsonify(reads.kpis_answer(actor(), query))  # the service keeps it in the read cache


# The figures as GET /api/kpis and /api/pm-compliance name them -> the service's names.
RECORD_NAMES = {to_camel(name): name for name in KPI_RECORD_FIGURES}


@api.get("/kpis/<name>/records")
@documented(summary="The records behind a KPI figure", query=KpiRecordsQuery, response=list[KpiRecordOut],
            permission="kpis.read", other_responses={404: "Not a figure with records"},
            description="`name`: " + ", ".join(RECORD_NAMES) + ". The same window and criteria as the "
                        "figure in GET /api/kpis (pmCompliance: GET /api/pm-compliance), so the records add "
                        "up to it: mtbfHours lists the failures (downtime periods starting in the window), "
                        "mttrHours the repairs (periods ending in it), availability every period overlapping "
                        "it, pmCompliance the PM work orders due in it (cancelled left out), backlog the work "
                        "orders open now, plannedMaintenancePercentage the work orders with labor performed "
                        "in it. Downtime newest first; PM by due date, newest first; backlog overdue first. "
                        "The weekly plan's figures (GET /api/kpis/planning): scheduleCompliance lists the "
                        "items of the frozen plans of the window (break-in left out), done as scheduled or "
                        "not; breakInShare their break-in items; plannedWorkPercent the work orders with "
                        "labor in the window, planned or unplanned; backlogCrewWeeks the open work orders "
                        "with their estimates, largest first.")
def get_kpi_records(name: str):
    query = query_args(KpiRecordsQuery)
    figure = RECORD_NAMES.get(name)
    if figure is None:
        raise NotFound("No such figure; records are kept for: " + ", ".join(RECORD_NAMES))
    records = drilldown.records(actor(), figure, query.days, outcome=query.outcome, page=query.page,
                                limit=query.limit)
    kind = {drilldown.DOWNTIME: "downtime_period", "schedule_items": "schedule_item"}.get(records.kind, "work_order")
    return page_response(records, KpiRecordOut.dump_many([{"kind": kind, **item} for item in records.items]))



@api.get("/kpis/trends")
@documented(summary="Weekly trends over the last `days` days", query=DaysQuery, response=TrendsOut,
            permission="kpis.read",
            description="Per week (Monday 00:00 UTC) of the window [now - days, now]: work orders opened and "
                        "completed, PM work orders due and completed on time, and PM compliance. Every week is "
                        "listed, zeros included. " + service.FIGURES["pm_compliance"].definition)
def get_kpi_trends():
    query = query_args(DaysQuery)
    return jsonify(TrendsOut.dump(service.trends(actor(), query.days)))
