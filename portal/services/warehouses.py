"""Warehouse settings."""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select

from ..models import Warehouse
from .db import unit_of_work
from .errors import NotFound, field_error


def set_timezone(warehouse_name: str, zone_name: str) -> Warehouse:
    """The IANA zone the portal shows this warehouse's times in (the operator's CLI)."""
    zone_name = zone_name.strip()
    try:
        if zone_name not in available_timezones():
            raise ZoneInfoNotFoundError(zone_name)
        ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise field_error("timezone", f"Unknown time zone {zone_name!r}; use an IANA name like Europe/Paris") from None
    with unit_of_work() as s:
        warehouse = s.scalars(select(Warehouse).where(Warehouse.name == warehouse_name)).first()
        if warehouse is None:
            raise NotFound(f"Warehouse {warehouse_name!r} not found")
        warehouse.timezone = zone_name
        return warehouse
