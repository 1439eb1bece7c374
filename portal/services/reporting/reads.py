"""The KPI and PM-compliance answers as the API writes them, kept in the read cache
(portal/platform/cache.py) until the warehouse's next write of what they count.

The figures are computed in kpis.py; these functions add the permission check (first: a kept
answer never skips it) and the cache, so every face that asks for the same figures shares one
entry. The answer is the contract's JSON: plain values that read back from the cache exactly as
they were computed. CACHE_TTL_SECONDS bounds how far a kept window's "now" may lag.
"""
from __future__ import annotations

from portal.platform.cache import cached
from portal.schemas.kpis import KpisOut, KpisQuery
from portal.schemas.pm import ComplianceOut, ComplianceQuery
from portal.services.common.actor import Actor
from portal.services.identity.permissions import require
from portal.services.reporting import kpis as figures


def kpis_answer(actor: Actor, query: KpisQuery) -> dict:
    """GET /api/kpis: the maintenance KPIs over the last `days` days, for the warehouse or one asset's subtree."""
    require(actor, "kpis.read")
    # The warehouse's grace rule is read first: the warehouses table is not tracked by the cache, so
    # the rule in force is part of the key (a changed setting is a new key, not a stale entry).
    grace = query.pm_grace or figures.warehouse_grace(actor.warehouse_id)
    params = (query.days, query.equipment_id, query.include_children, query.mttr_basis, query.asset_limit, grace)

    def compute() -> dict:
        scope = figures.Scope(actor, query.equipment_id, query.include_children)  # 404: another warehouse's
        return KpisOut.dump(figures.kpis(actor, query.days, scope=scope, mttr_basis=query.mttr_basis,
                                         asset_limit=query.asset_limit, pm_grace=grace))
    return cached("kpis", actor.warehouse_id, params, compute)


def compliance_answer(actor: Actor, query: ComplianceQuery) -> dict:
    """GET /api/pm-compliance: PM compliance over the last `days` days."""
    require(actor, "pm.read")
    grace = query.pm_grace or figures.warehouse_grace(actor.warehouse_id)

    def compute() -> dict:
        scope = figures.Scope(actor, query.equipment_id, query.include_children)
        return ComplianceOut.dump(figures.pm_compliance(actor, query.days, pm_grace=grace, scope=scope))
    return cached("pm-compliance", actor.warehouse_id,
                  (query.days, query.equipment_id, query.include_children, grace), compute)
