from __future__ import annotations

from flask import jsonify

from ..schemas.kpis import KpisOut
from ..schemas.pm import DaysQuery
from ..services import kpis as service
from . import api
from .common import actor, documented, query_args


@api.get("/kpis")
@documented(summary="Maintenance KPIs over the last `days` days", query=DaysQuery, response=KpisOut,
            permission="kpis.read", description=service.KPI_DEFINITIONS)
def get_kpis():
    query = query_args(DaysQuery)
    return jsonify(KpisOut.dump(service.kpis(actor(), query.days)))
