"""Warehouse settings."""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select

from portal.models import Warehouse
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.warehouse import WarehouseUpdate
from portal.services.common.actor import Actor
from portal.services.common.changes import given_fields
from portal.services.common.errors import NotFound, field_error
from portal.services.identity.permissions import require


def _checked_zone(zone_name: str) -> str:
    zone_name = zone_name.strip()
    try:
        if zone_name not in available_timezones():
            raise ZoneInfoNotFoundError(zone_name)
        ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise field_error("timezone", f"Unknown time zone {zone_name!r}; use an IANA name like Europe/Paris") from None
    return zone_name


def set_timezone(warehouse_name: str, zone_name: str) -> Warehouse:
    """The IANA zone the portal shows this warehouse's times in (the operator's CLI)."""
    zone_name = _checked_zone(zone_name)
    with unit_of_work() as s:
        warehouse = s.scalars(select(Warehouse).where(Warehouse.name == warehouse_name)).first()
        if warehouse is None:
            raise NotFound(f"Warehouse {warehouse_name!r} not found")
        warehouse.timezone = zone_name
        return warehouse


def get_settings(actor: Actor) -> Warehouse:
    """The actor's own warehouse (admins: its settings page and GET /api/warehouse)."""
    require(actor, "warehouse.manage")
    warehouse = db.session.get(Warehouse, actor.warehouse_id)
    if warehouse is None:
        raise NotFound("Warehouse not found")
    return warehouse


def update_settings(actor: Actor, data: WarehouseUpdate) -> Warehouse:
    """Problem reports without an account on/off, time zone, decimal mark, where reports go; only what was given changes."""
    require(actor, "warehouse.manage")
    values = given_fields(data, ("problem_reports_enabled", "timezone", "decimal_mark", "request_routing",
                                 "require_failure_codes", "pm_grace"))
    if "timezone" in values:
        values["timezone"] = _checked_zone(values["timezone"])
    with unit_of_work() as s:
        warehouse = s.scalars(select(Warehouse).where(Warehouse.id == actor.warehouse_id).with_for_update()).first()
        if warehouse is None:
            raise NotFound("Warehouse not found")
        for name, value in values.items():
            setattr(warehouse, name, value)
        return warehouse
