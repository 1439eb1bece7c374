from __future__ import annotations

from flask import jsonify

from ..cache import cached
from ..schemas.kpis import KpisOut
from ..schemas.pm import DaysQuery
from ..services import kpis as service
from ..services.permissions import require
from . import api
from .common import actor, documented, query_args


@api.get("/kpis")
@documented(summary="Maintenance KPIs over the last `days` days", query=DaysQuery, response=KpisOut,
            permission="kpis.read", description=service.KPI_DEFINITIONS)
def get_kpis():
    query = query_args(DaysQuery)
    who = actor()
    require(who, "kpis.read")  # before the cache: a hit must not skip the permission
    return jsonify(cached("kpis", who.warehouse_id, (query.days,), lambda: KpisOut.dump(service.kpis(who, query.days))))
