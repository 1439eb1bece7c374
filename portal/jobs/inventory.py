"""Inventory jobs."""
from __future__ import annotations

from datetime import datetime

from portal.jobs.registry import periodic
from portal.services.inventory import parts


@periodic("low-stock", interval=300,
          description="Emit inventory.low_stock (and reorder) for low parts never announced yet")
def low_stock(now: datetime | None = None) -> dict:
    return parts.alert_unannounced_low_stock(now)
