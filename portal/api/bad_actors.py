"""GET /api/kpis/bad-actors: the assets that cost, stop and fail the most, and the Pareto of failure modes."""
from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented, query_args
from portal.schemas.bad_actors import BadActorsOut, BadActorsQuery
from portal.services.reporting import bad_actors as service


@api.get("/kpis/bad-actors")
@documented(summary="Bad actors: the assets with most downtime, failures and cost, and the Pareto of failure modes",
            query=BadActorsQuery, response=BadActorsOut, permission="kpis.read", description=service.DEFINITIONS)
def get_bad_actors():
    query = query_args(BadActorsQuery)
    return jsonify(BadActorsOut.dump(service.bad_actors(actor(), query.days, limit=query.limit,
                                                        equipment_class=query.equipment_class)))
