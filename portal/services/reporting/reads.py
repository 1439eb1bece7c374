"""The KPI and PM-compliance answers as the API writes them, kept in the read cache
(portal/platform/cache.py) until the warehouse's next write of what they count.

The figures are computed in kpis.py; these functions add the permission check (first: a kept
answer never skips it) and the cache, so every face that asks for the same figures shares one
entry. The answer is the contract's JSON: plain values that read back from the cache exactly as
they were computed. CACHE_TTL_SECONDS bounds how far a kept window's "now" may lag.
"""
from __future__ import annotations

from portal.platform.cache import cached
from portal.schemas.kpis import KpisOut
from portal.schemas.pm import ComplianceOut
from portal.services.common.actor import Actor
from portal.services.identity.permissions import require
from portal.services.reporting import kpis as figures


def kpis_answer(actor: Actor, days: int) -> dict:
    """GET /api/kpis: the maintenance KPIs over the last `days` days."""
    require(actor, "kpis.read")
    return cached("kpis", actor.warehouse_id, (days,), lambda: KpisOut.dump(figures.kpis(actor, days)))


def compliance_answer(actor: Actor, days: int) -> dict:
    """GET /api/pm-compliance: PM compliance over the last `days` days."""
    require(actor, "pm.read")
    return cached("pm-compliance", actor.warehouse_id, (days,),
                  lambda: ComplianceOut.dump(figures.pm_compliance(actor, days)))
