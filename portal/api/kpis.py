from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented, query_args
from portal.platform.cache import cached
from portal.schemas.kpis import KpisOut, TrendsOut
from portal.schemas.pm import DaysQuery
from portal.services.identity.permissions import require
from portal.services.reporting import kpis as service


@api.get("/kpis")
@documented(summary="Maintenance KPIs over the last `days` days", query=DaysQuery, response=KpisOut,
            permission="kpis.read", description=service.KPI_DEFINITIONS)
def get_kpis():
    query = query_args(DaysQuery)
    who = actor()
    require(who, "kpis.read")  # before the cache: a hit must not skip the permission
    return jsonify(cached("kpis", who.warehouse_id, (query.days,), lambda: KpisOut.dump(service.kpis(who, query.days))))



@api.get("/kpis/trends")
@documented(summary="Weekly trends over the last `days` days", query=DaysQuery, response=TrendsOut,
            permission="kpis.read",
            description="Per week (Monday 00:00 UTC) of the window [now - days, now]: work orders opened and "
                        "completed, PM work orders due and completed on time, and PM compliance. Every week is "
                        "listed, zeros included. " + service.FIGURES["pm_compliance"].definition)
def get_kpi_trends():
    query = query_args(DaysQuery)
    return jsonify(TrendsOut.dump(service.trends(actor(), query.days)))
