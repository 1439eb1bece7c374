from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented, query_args
from portal.schemas.kpis import KpisOut, TrendsOut
from portal.schemas.pm import DaysQuery
from portal.services.reporting import kpis as service
from portal.services.reporting import reads


@api.get("/kpis")
@documented(summary="Maintenance KPIs over the last `days` days", query=DaysQuery, response=KpisOut,
            permission="kpis.read", description=service.KPI_DEFINITIONS)
def get_kpis():
    query = query_args(DaysQuery)
    return jsonify(reads.kpis_answer(actor(), query.days))  # the service keeps it in the read cache



@api.get("/kpis/trends")
@documented(summary="Weekly trends over the last `days` days", query=DaysQuery, response=TrendsOut,
            permission="kpis.read",
            description="Per week (Monday 00:00 UTC) of the window [now - days, now]: work orders opened and "
                        "completed, PM work orders due and completed on time, and PM compliance. Every week is "
                        "listed, zeros included. " + service.FIGURES["pm_compliance"].definition)
def get_kpi_trends():
    query = query_args(DaysQuery)
    return jsonify(TrendsOut.dump(service.trends(actor(), query.days)))
