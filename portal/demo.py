"""Demo data for `flask --app wsgi seed-demo` and `make run`: one plant, every role, real history."""
from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal.models import OPEN_STATUSES, Equipment, Part, User, Warehouse, WorkOrder
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.equipment import EquipmentCreate, EquipmentStatusChange, EquipmentUpdate
from portal.schemas.parts import PartCreate
from portal.schemas.work_orders import ConsumeParts, WorkOrderCreate, WorkOrderUpdate
from portal.services.assets import equipment
from portal.services.common.actor import Actor
from portal.services.identity import auth
from portal.services.inventory import parts
from portal.services.work_orders import failure_codes
from portal.services.work_orders import lifecycle as work_orders

DEMO_WAREHOUSE = "Demo Plant"
DEMO_PASSWORD = "demo-password"
DEMO_USERS = [
    ("admin@demo.maintainpro.test", "admin", "Alex Admin"),
    ("manager@demo.maintainpro.test", "manager", "Morgan Manager"),
    ("tech@demo.maintainpro.test", "technician", "Taylor Tech"),
    ("tech2@demo.maintainpro.test", "technician", "Jordan Wrench"),
    ("requester@demo.maintainpro.test", "requester", "Riley Requester"),
]
ASSET_KINDS = [
    ("PUMP", "Grundfos", "CR 64", "Circulation pump", "pump"),
    ("MOTOR", "ABB", "M3BP 160MLA4", "Conveyor drive motor", "electric_motor"),
    ("COMP", "Atlas Copco", "GA 30", "Air compressor", "compressor"),
    ("FAN", "Ziehl-Abegg", "ZN063", "Exhaust fan", "fan"),
    ("CONV", "Interroll", "RollerDrive EC5000", "Belt conveyor", "conveyor"),
]
# Failure codes (mode, cause, remedy) for the other completed repairs, by asset class: what such
# machines typically suffer, so the Pareto of modes has a believable shape.
TYPICAL_FAILURES = {
    "pump": [("ELP", "WEAR", "REPL"), ("VIB", "MIS", "ADJ"), ("LOO", "CON", "CLN")],
    "electric_motor": [("OHE", "OVL", "RES"), ("VIB", "LUB", "LUB"), ("FTS", "ELF", "REPL")],
    "compressor": [("OHE", "CON", "CLN"), ("UST", "ELF", "REP"), ("ELP", "WEAR", "REPL")],
    "fan": [("VIB", "LOS", "ADJ"), ("NOI", "WEAR", "REPL")],
    "conveyor": [("BRD", "FAT", "REP"), ("UST", "OPE", "RES"), ("NOI", "LUB", "LUB")],
}
LOCATIONS = [("Building A - Basement", "Mechanical Room"), ("Production Line 1", "Assembly"),
             ("Production Line 2", "Packaging"), ("Building B", "Utilities")]
# The plant's hierarchy (site → area → line or system → machine → component): (tag, parent's tag,
# name, location, area, criticality). The 20 machines go under the line or system of their location
# (LOCATIONS, same order as SYSTEMS); each conveyor's drive motor becomes a component of the conveyor.
STRUCTURE = [
    ("SITE-LYON", None, "Demo Plant, Lyon site", "Lyon", None, "critical"),
    ("AREA-PROD", "SITE-LYON", "Production hall", "Production hall", None, "high"),
    ("AREA-UTIL", "SITE-LYON", "Utilities", "Buildings A and B", "Utilities", "high"),
    ("SYS-MECH", "AREA-UTIL", "Mechanical room", "Building A - Basement", "Mechanical Room", "high"),
    ("LINE-1", "AREA-PROD", "Assembly line 1", "Production Line 1", "Assembly", "critical"),
    ("LINE-2", "AREA-PROD", "Packaging line 2", "Production Line 2", "Packaging", "critical"),
    ("SYS-UTIL-B", "AREA-UTIL", "Utility plant, Building B", "Building B", "Utilities", "medium"),
]
SYSTEMS = ["SYS-MECH", "LINE-1", "LINE-2", "SYS-UTIL-B"]  # by LOCATIONS index
PART_KINDS = [
    ("BRG", "Bearings", "Ball Bearing 6205-2RS", "SKF Industrial", "12.50"),
    ("BLT", "Belts", "V-Belt SPA 1250", "Gates", "18.90"),
    ("FLT", "Filters", "Air filter element", "Mann+Hummel", "34.00"),
    ("SEAL", "Seals", "Mechanical seal 35mm", "John Crane", "89.00"),
    ("OIL", "Lubricants", "Gear oil ISO VG 220 (1 L)", "Mobil", "9.75"),
    ("FUSE", "Electrical", "Fuse 16A gG", "Siemens", "3.20"),
    ("CONT", "Electrical", "Contactor 3-pole 18A", "Schneider", "47.60"),
    ("GRS", "Lubricants", "Bearing grease cartridge", "SKF Industrial", "7.10"),
]
TITLES = ["Replace bearing", "Lubricate drive", "Inspect belt tension", "Check vibration",
          "Replace filter", "Fix oil leak", "Tighten terminals", "Calibrate sensor", "Clean heat exchanger",
          "Investigate noise"]


# Why the demo's on-hold work orders wait: (hold reason code, the technician's words).
HOLDS = (("waiting_parts", "Bearing ordered, due Tuesday"), ("waiting_access", "Line runs until the weekend"),
         ("waiting_trade", "Electrician to isolate the motor"))


def database_is_empty() -> bool:
    return db.session.scalars(select(Warehouse.id).limit(1)).first() is None


def seed(rng_seed: int = 7) -> dict:
    """Create the demo warehouse unless it exists. Returns what was (or already is) there.

    One transaction: a failure half-way leaves no partial "Demo Plant" for a rerun to skip."""
    with unit_of_work():
        return _load(rng_seed)


def _load(rng_seed: int) -> dict:
    existing = db.session.scalars(select(Warehouse).where(Warehouse.name == DEMO_WAREHOUSE)).first()
    users = [(email, role) for email, role, _ in DEMO_USERS]
    if existing is not None:
        return {"created": False, "users": users, "counts": {}}
    rng = random.Random(rng_seed)
    now = utcnow()
    created = {}
    for email, role, name in DEMO_USERS:
        created[role if role not in created else role + "2"] = auth.create_user(
            email, DEMO_PASSWORD, role, DEMO_WAREHOUSE, name=name, is_demo=True)
    manager = Actor.of(created["manager"])
    technicians = [created["technician"], created["technician2"]]
    # Labor is costed at the person's rate when booked: the bad actors' cost is labor + parts.
    for person, rate in ((created["technician"], "62.00"), (created["technician2"], "55.00"), (created["manager"], "70.00")):
        person.hourly_rate = Decimal(rate)

    # The site, its areas and its lines and systems first (no random draw: the rest of the demo draws
    # exactly what it drew before the hierarchy existed).
    structure: dict[str, Equipment] = {}
    for tag, parent, name, location, area, criticality in STRUCTURE:
        structure[tag] = equipment.create_equipment(manager, EquipmentCreate(
            assetTag=tag, description=name, location=location, area=area, criticality=criticality,
            parentId=structure[parent].id if parent else None), now=now - timedelta(days=3000))
    assets = []
    for i in range(20):
        prefix, maker, model, description, eq_class = ASSET_KINDS[i % len(ASSET_KINDS)]
        location, area = LOCATIONS[i % len(LOCATIONS)]
        assets.append(equipment.create_equipment(manager, EquipmentCreate(
            assetTag=f"{prefix}-{101 + i}", manufacturer=maker, model=model, description=description,
            location=location, area=area, criticality=rng.choice(["low", "medium", "high", "critical"]),
            equipmentClass=eq_class,
            installDate=now - timedelta(days=rng.randint(200, 3000)),
            parentId=structure[SYSTEMS[i % len(LOCATIONS)]].id,
        )))
    _nest_drive_motors(manager, assets, now - timedelta(days=150))
    stock = []
    for i in range(40):
        prefix, category, description, supplier, cost = PART_KINDS[i % len(PART_KINDS)]
        reorder_point = rng.randint(2, 10)
        # Every fourth part starts at or below its reorder point.
        level = rng.randint(0, reorder_point) if i % 4 == 0 else rng.randint(reorder_point + 5, 80)
        stock.append(parts.create_part(manager, PartCreate(
            partNumber=f"{prefix}-{1000 + i}", description=description, category=category, stockLevel=level,
            reorderPoint=reorder_point, reorderQuantity=reorder_point * 3, autoReorder=i % 8 == 0,
            unitCost=cost, supplier=supplier, location=f"Shelf {chr(65 + i % 6)}-{i % 12 + 1:02d}",
        )))
    statuses = ["new", "assigned", "in_progress", "on_hold", "completed", "cancelled"]
    paths = {
        "new": [], "assigned": [], "in_progress": ["in_progress"], "on_hold": ["in_progress", "on_hold"],
        "completed": ["in_progress", "completed"], "cancelled": ["cancelled"],
    }
    for i in range(60):
        target = statuses[i % len(statuses)]
        tech = technicians[i % 2]
        created_at = now - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 23))
        wo = work_orders.create_work_order(manager, WorkOrderCreate(
            title=f"{rng.choice(TITLES)} on {assets[i % 20].asset_tag}",
            description="Reported during the morning round.",
            priority=rng.choice(["low", "medium", "high", "critical"]),
            type=rng.choice(["corrective", "preventive", "inspection", "emergency"]),
            equipmentId=assets[i % 20].id,
            assignedTo=None if target == "new" else tech.id,
            dueDate=created_at + timedelta(days=rng.randint(1, 14)),
        ), now=created_at)
        actor = Actor.of(tech)
        when = created_at
        for step in paths[target]:
            # Never in the future: consumptions and history must not postdate the seeding.
            when = min(when + timedelta(hours=rng.randint(1, 30)), now)
            body = {"status": step}
            if step == "completed":
                part = stock[(i * 3 + 1) % 40]
                if part.stock_level > 2:
                    parts.consume_parts(actor, ConsumeParts(workOrderId=wo.id, partsUsage=[
                        {"partId": part.id, "quantityUsed": 1}]), now=when)
                body["completionNotes"] = "Done, tested operation."
                if wo.type in ("corrective", "emergency"):  # the repair's failure codes, typical of its class
                    typical = TYPICAL_FAILURES[assets[i % 20].equipment_class]
                    body["failureMode"], body["failureCause"], body["failureRemedy"] = rng.choice(typical)
            if step == "on_hold":  # the warehouse's default hold reasons (seeded with it), in turn
                body["holdReasonCode"], body["holdReason"] = HOLDS[i // len(statuses) % len(HOLDS)]
            work_orders.update_work_order(actor if step != "cancelled" else manager, wo.id,
                                          WorkOrderUpdate(**body), now=when)
    # A year of failures, most of them on a few assets (the bad actors), from its own sequence too.
    _seed_failure_history(manager, assets, stock, technicians, now, random.Random(f"{rng_seed}-failures"))
    # The PM history draws from its own sequence: what other parts of the demo draw (failure codes,
    # titles) must not change which PMs were done on time.
    _seed_preventive_maintenance(manager, assets, technicians[0].id, now, random.Random(f"{rng_seed}-pm-history"))
    _seed_breakdowns_and_labor(manager, rng, assets, technicians, now)
    _seed_requests(manager, Actor.of(created["requester"]), assets, now)
    _seed_weekly_plan(manager, rng, assets, technicians, now)
    # From now on a repair is closed with its failure codes (the demo shows the rule at work).
    failure_codes.set_required(manager, True)
    # Counted, not assumed: the PM templates above add work orders of their own.
    counts = {name: db.session.scalar(select(func.count()).select_from(model)
                                      .where(model.warehouse_id == manager.warehouse_id))
              for name, model in (("users", User), ("equipment", Equipment), ("parts", Part),
                                  ("workOrders", WorkOrder))}
    return {"created": True, "users": users, "counts": counts}


def _nest_drive_motors(manager: Actor, assets: list, now) -> None:
    """Each conveyor's drive motor (the motor of the same line or system) becomes its component: the
    fifth level of the tree (site › area › line › conveyor › motor)."""
    for conveyor in (a for a in assets if a.equipment_class == "conveyor"):
        motor = next(a for a in assets if a.equipment_class == "electric_motor" and a.parent_id == conveyor.parent_id)
        equipment.update_equipment(manager, motor.id, EquipmentUpdate(parentId=conveyor.id), now=now)


def _seed_preventive_maintenance(manager: Actor, assets: list, technician_id: str, now, rng: random.Random) -> None:
    """A monthly calendar PM on four assets and a 500-hour meter PM on two, with four months of
    history: the scheduler is replayed day by day from when the templates were made (as the
    pm-schedule job would have run), meter readings are recorded when they were read, and each PM
    work order is worked and completed around its due date (most on time, a few late, one still
    open), so PM compliance and its records have something real to show."""
    from portal.schemas.pm import PMTemplateCreate
    from portal.services.pm import scheduler
    from portal.services.pm import templates as pm

    history = timedelta(days=PM_HISTORY_DAYS)
    pm.create_template(manager, PMTemplateCreate.model_validate({
        "name": "Monthly inspection", "description": "Visual check, temperatures, guards.",
        "frequencyType": "calendar", "frequency": 30, "estimatedDuration": 60, "leadDays": 7,
        "startDate": now - history + timedelta(days=3), "assignedTo": technician_id,
        "equipmentIds": [a.id for a in assets[:4]],
        "checklist": [
            {"id": "temp", "description": "Bearing temperature", "type": "measurement", "required": True,
             "unit": "C", "min": 10, "max": 80},
            {"id": "noise", "description": "No abnormal noise or vibration", "type": "pass_fail", "required": True},
            {"id": "guards", "description": "Guards in place", "type": "checkbox", "required": True},
            {"id": "notes", "description": "Observations", "type": "text"},
        ],
    }), now=now - history)
    pm.create_template(manager, PMTemplateCreate.model_validate({
        "name": "500-hour service", "frequencyType": "meter", "meter": "hours", "frequency": 500,
        "estimatedDuration": 120, "priority": "high", "equipmentIds": [a.id for a in assets[4:6]],
        "checklist": [{"id": "oil", "description": "Change oil and filter", "required": True}],
    }), now=now - history)
    readings = sorted(((now - timedelta(days=days_ago), asset, value)
                       for asset, values in ((assets[4], METER_HOURS[0]), (assets[5], METER_HOURS[1]))
                       for days_ago, value in values), key=lambda reading: reading[0])
    planned: dict[str, object] = {}
    day = now - history
    while True:
        while readings and readings[0][0] <= day:
            _read_meter(manager, *readings.pop(0))
        scheduler.schedule_due(day, warehouse_id=manager.warehouse_id)
        for wo in db.session.scalars(select(WorkOrder).where(
                WorkOrder.warehouse_id == manager.warehouse_id, WorkOrder.pm_template_id.is_not(None),
                WorkOrder.status.in_(OPEN_STATUSES)).order_by(WorkOrder.due_date, WorkOrder.id)).all():
            if wo.id not in planned:
                planned[wo.id] = _pm_done_at(wo, rng)
            if planned[wo.id] <= day:
                _complete_pm(manager, wo, planned[wo.id], rng)
        if day >= now:
            break
        day = min(day + timedelta(days=1), now)


# Four months of PM history (as the scheduler would have made it) before today.
PM_HISTORY_DAYS = 120
# (days ago, reading) per meter asset: running hours since the 500-hour template was made.
METER_HOURS = (((118, 1200), (90, 1480), (62, 1710), (40, 1950), (20, 2230), (1, 2400)),
               ((118, 300), (80, 420), (40, 610), (1, 830)))


def _read_meter(manager: Actor, at, asset, value: float) -> None:
    from portal.schemas.pm import MeterReadingCreate
    from portal.services.assets import meters

    meters.record_reading(manager, asset.id, MeterReadingCreate(meter="hours", value=value, unit="h", readAt=at),
                          now=at)


def _pm_done_at(wo: WorkOrder, rng: random.Random):
    """When the crew gets to it: usually in the days before it is due, sometimes late, now and then
    much later (the one still open, overdue, at the end of the history)."""
    roll = rng.random()
    if roll < 0.8:
        offset = -timedelta(hours=rng.randint(2, 96))
    elif roll < 0.93:
        offset = timedelta(hours=rng.randint(6, 100))
    else:
        offset = timedelta(days=rng.randint(12, 20))
    return max(wo.due_date + offset, wo.created_at + timedelta(hours=3))


def _complete_pm(manager: Actor, wo: WorkOrder, done_at, rng: random.Random) -> None:
    from portal.schemas.pm import ChecklistItemUpdate
    from portal.services.work_orders import checklists

    actor = Actor.of(db.session.get(User, wo.assigned_to)) if wo.assigned_to else manager
    work_orders.update_work_order(actor, wo.id, WorkOrderUpdate(status="in_progress"),
                                  now=done_at - timedelta(hours=2))
    for item in checklists.items_of(wo.id):
        answer = {"measurement": {"value": rng.randint(38, 62)}, "pass_fail": {"value": "pass"},
                  "checkbox": {"done": True}}.get(item.type)
        if answer is not None:
            checklists.update_item(actor, wo.id, item.id, ChecklistItemUpdate(**answer),
                                   now=done_at - timedelta(minutes=30))
    work_orders.update_work_order(actor, wo.id, WorkOrderUpdate(
        status="completed", completionNotes="Inspected, all within limits."), now=done_at)


# A year of repairs before the last two months (asset index, how many, [(mode, cause, remedy, what failed,
# part prefix or None)]): a few assets fail again and again for the same reasons (the bad actors and the
# vital few of the Pareto), the others now and then.
FAILURE_HISTORY = [
    (2, 9, [("OHE", "CON", "CLN", "Compressor tripped on high discharge temperature", "FLT"),
            ("OHE", "CON", "CLN", "Compressor overheating, cooler fouled", "FLT"),
            ("OHE", "LUB", "REPL", "Compressor hot, oil breaking down", "OIL"),
            ("ELP", "WEAR", "REPL", "Oil leak at the shaft seal", "SEAL")]),
    (5, 6, [("ELP", "WEAR", "REPL", "Pump mechanical seal leaking", "SEAL"),
            ("ELP", "WEAR", "REPL", "Seal leak again at the pump", "SEAL"),
            ("VIB", "MIS", "ADJ", "Pump vibrating, coupling misaligned", None)]),
    (4, 5, [("BRD", "FAT", "REPL", "Conveyor belt torn", "BLT"),
            ("BRD", "FAT", "REPL", "Belt splice parted", "BLT"),
            ("UST", "OPE", "RES", "Conveyor stopped: overloaded by a jam", None)]),
    (1, 3, [("OHE", "OVL", "RES", "Motor tripped on thermal overload", "FUSE"),
            ("VIB", "LUB", "LUB", "Motor bearing vibration", "BRG")]),
    (10, 1, [("ELP", "WEAR", "REPL", "Pump gland leaking", "SEAL")]),
    (8, 1, [("VIB", "LOS", "ADJ", "Fan vibrating, loose mount", None)]),
    (9, 1, [("BRD", "FAT", "REPL", "Belt broke on line 2", "BLT")]),
    (6, 1, [("FTS", "ELF", "REPL", "Motor would not start: blown fuse", "FUSE")]),
    (7, 1, [("OHE", "CON", "CLN", "Compressor running hot", "FLT")]),
]


def _seed_failure_history(manager: Actor, assets: list, stock: list, technicians: list, now,
                          rng: random.Random) -> None:
    """Breakdowns from a year ago to two months ago, through the services as they happened: the asset
    reported down with the work order, labor (at the technician's rate) and parts booked, completed with
    its failure codes (the asset back up). The last 30 days' figures are not touched."""
    from portal.schemas.pm import LaborCreate
    from portal.services.work_orders import labor

    events = []
    for index, count, kinds in FAILURE_HISTORY:
        for n in range(count):
            events.append((now - timedelta(days=rng.randint(65, 360), hours=rng.randint(0, 23)), index, kinds[n % len(kinds)]))
    for reported, index, (mode, cause, remedy, title, part_prefix) in sorted(events, key=lambda e: e[0]):
        tech = Actor.of(technicians[rng.randint(0, 1)])
        hours = rng.choice((2, 3, 4, 6, 8, 12))
        wo = work_orders.create_work_order(manager, WorkOrderCreate(
            title=title, type="emergency" if hours >= 8 else "corrective", priority="high",
            equipmentId=assets[index].id, assignedTo=tech.id, equipmentDown=True), now=reported)
        started = reported + timedelta(minutes=30)
        work_orders.update_work_order(tech, wo.id, WorkOrderUpdate(status="in_progress"), now=started)
        labor.add_labor(tech, wo.id, LaborCreate(minutes=hours * 60 - 30, performedAt=started), now=now)
        part = next((p for p in stock if p.part_number.startswith(part_prefix + "-") and p.stock_level >= 3), None) \
            if part_prefix else None
        if part is not None:
            parts.consume_parts(tech, ConsumeParts(workOrderId=wo.id, partsUsage=[
                {"partId": part.id, "quantityUsed": rng.randint(1, 2)}]), now=started + timedelta(minutes=20))
        work_orders.update_work_order(tech, wo.id, WorkOrderUpdate(
            status="completed", completionNotes="Repaired and tested under load.", failureMode=mode,
            failureCause=cause, failureRemedy=remedy), now=reported + timedelta(hours=hours))


# (asset index, hours ago, who, what they saw): reports from the labels, waiting in the inbox.
REPORTS = [(3, 5, "Sam (packing line)", "Exhaust fan rattles loudly when it starts"),
           (9, 2, "Lee, night shift", "Drip of oil under the compressor, small puddle")]


def _seed_requests(manager: Actor, requester: Actor, assets: list, now) -> None:
    """The demo plant takes problem reports through the requests inbox (docs/portal.md): two reports
    made from asset labels and one request from Riley Requester wait for the manager."""
    from portal.schemas.requests import RequestCreate
    from portal.services.work_orders import problem_reports, report_status
    from portal.services.work_orders import requests as inbox

    db.session.get(Warehouse, manager.warehouse_id).request_routing = "inbox"
    for index, hours_ago, who, text in REPORTS:
        inbox.receive_report(assets[index], title=problem_reports.report_title(assets[index], text), description=text,
                             reporter_name=who, reporter_contact=None, reporter_email=None,
                             status_token_hash=report_status.new_token()[1], photo=None, photo_name=None,
                             now=now - timedelta(hours=hours_ago))
    inbox.submit_request(requester, RequestCreate(title="Light flickers above bench 4", equipmentId=assets[0].id,
                                                  description="Since Monday, worse in the afternoon."),
                         now=now - timedelta(minutes=40))


# (asset index, days ago, hours down, what failed, its failure mode, cause, remedy): a few real
# stoppages in the last two months.
BREAKDOWNS = [
    (1, 52, 5.5, "Drive motor tripped on overload", ("UST", "OVL", "RES")),
    (2, 38, 9.0, "Compressor stopped: high discharge temperature", ("OHE", "CON", "CLN")),
    (4, 27, 3.0, "Conveyor belt torn at the splice", ("BRD", "FAT", "REPL")),
    (1, 16, 2.5, "Motor bearing noise, replaced bearing", ("NOI", "WEAR", "REPL")),
    (7, 9, 6.0, "Compressor oil separator blocked", ("UST", "CON", "REPL")),
    (12, 4, 1.5, "Blown fuse on the control circuit", ("FTS", "ELF", "REPL")),
]
# (asset index, days ago, hours down, kind of stop, why): planned stops, which are no failures.
PLANNED_STOPS = [
    (0, 45, 4.0, "preventive", "Quarterly seal and coupling service"),
    (4, 33, 2.0, "changeover", "Belt changed over for the new carton size"),
    (2, 21, 6.0, "preventive", "Annual compressor overhaul"),
    (9, 12, 3.0, "changeover", "Line 2 product changeover"),
    (14, 6, 24.0, "shutdown", "Weekend shutdown of Building B utilities"),
]


def _seed_breakdowns_and_labor(manager: Actor, rng: random.Random, assets: list, technicians: list, now) -> None:
    """Recorded downtime (failure work orders that took the asset down and brought it back up), one
    asset down right now, and labor on the work orders, so every /api/kpis figure is believable."""
    from portal.schemas.pm import LaborCreate
    from portal.services.work_orders import labor

    for index, days_ago, hours, title, (mode, cause, remedy) in BREAKDOWNS:
        tech = Actor.of(technicians[index % 2])
        reported = now - timedelta(days=days_ago, hours=rng.randint(0, 8))
        wo = work_orders.create_work_order(manager, WorkOrderCreate(
            title=title, type="corrective", priority="high", equipmentId=assets[index].id,
            assignedTo=tech.id, equipmentDown=True), now=reported)
        work_orders.update_work_order(tech, wo.id, WorkOrderUpdate(status="in_progress"),
                                      now=reported + timedelta(minutes=20))
        labor.add_labor(tech, wo.id, LaborCreate(minutes=int(hours * 60) - 30,
                                                 performedAt=reported + timedelta(minutes=30)), now=now)
        work_orders.update_work_order(tech, wo.id, WorkOrderUpdate(
            status="completed", completionNotes="Repaired and tested under load.", failureMode=mode,
            failureCause=cause, failureRemedy=remedy), now=reported + timedelta(hours=hours))
    # Planned stops: the asset marked down with its kind of stop, and back up when done.
    for index, days_ago, hours, code, why in PLANNED_STOPS:
        stopped = now - timedelta(days=days_ago, hours=rng.randint(0, 8))
        equipment.change_status(manager, assets[index].id, EquipmentStatusChange(
            status="down", reasonCode=code, reason=why), now=stopped)
        equipment.change_status(manager, assets[index].id, EquipmentStatusChange(status="active"),
                                now=stopped + timedelta(hours=hours))
    # Down now: the emergency is being worked on.
    tech = Actor.of(technicians[0])
    wo = work_orders.create_work_order(manager, WorkOrderCreate(
        title="Pump seal leaking badly, stopped", type="emergency", priority="critical",
        equipmentId=assets[5].id, assignedTo=tech.id, equipmentDown=True), now=now - timedelta(hours=3))
    work_orders.update_work_order(tech, wo.id, WorkOrderUpdate(status="in_progress"),
                                  now=now - timedelta(hours=2, minutes=30))
    # The weekly lubrication round: routine preventive work, done and booked.
    for week in range(1, 7):
        tech = Actor.of(technicians[week % 2])
        done = now - timedelta(weeks=week, hours=rng.randint(0, 6))
        wo = work_orders.create_work_order(manager, WorkOrderCreate(
            title="Weekly lubrication round, lines 1 and 2", type="preventive", priority="medium",
            equipmentId=assets[week % 5].id, assignedTo=tech.id), now=done - timedelta(days=1))
        work_orders.update_work_order(tech, wo.id, WorkOrderUpdate(status="in_progress"), now=done - timedelta(hours=3))
        labor.add_labor(tech, wo.id, LaborCreate(minutes=rng.randint(150, 210), performedAt=done - timedelta(hours=3)),
                        now=now)
        work_orders.update_work_order(tech, wo.id, WorkOrderUpdate(
            status="completed", completionNotes="All points greased, levels topped up."), now=done)
    # Labor on the other work orders that were worked on: preventive work is most of a healthy plant's hours.
    worked = db.session.scalars(select(WorkOrder).where(
        WorkOrder.warehouse_id == manager.warehouse_id, WorkOrder.status.in_(("completed", "in_progress", "on_hold")),
        WorkOrder.actual_duration == 0)).all()
    for wo in worked:
        minutes = rng.randint(120, 240) if wo.type == "preventive" else rng.randint(15, 45)
        performed = min(wo.created_at + timedelta(hours=rng.randint(1, 24)), now)
        labor.add_labor(manager, wo.id, LaborCreate(
            userId=(wo.assigned_to or technicians[0].id), minutes=minutes, performedAt=performed), now=now)


def _seed_weekly_plan(manager: Actor, rng: random.Random, assets: list, technicians: list, now) -> None:
    """Last week's plan, frozen on its Monday morning: most of it done in the week, one job late, one
    not started, and a break-in breakdown added after the freeze; the coming week's plan as a draft,
    with a training day off; estimates on the open backlog (what backlog in crew-weeks counts)."""
    from datetime import UTC, datetime, time

    from portal.models.planning import Absence
    from portal.schemas.planning import ScheduleCreate, ScheduleItemCreate
    from portal.schemas.pm import LaborCreate
    from portal.services.planning import schedules
    from portal.services.work_orders import labor

    for wo in db.session.scalars(select(WorkOrder).where(
            WorkOrder.warehouse_id == manager.warehouse_id, WorkOrder.status.in_(("new", "assigned", "on_hold")),
            WorkOrder.estimated_duration.is_(None))):
        wo.estimated_duration = rng.choice((60, 90, 120, 180, 240, 360))
    this_monday = schedules.monday_of(now.date())
    last = this_monday - timedelta(days=7)
    at = lambda day, hour: datetime.combine(day, time(hour), tzinfo=UTC)  # noqa: E731
    plan, _ = schedules.create_schedule(manager, ScheduleCreate(weekStart=last))
    jobs = ("Replace drive belt", "Align motor and pump", "Clean cooling fins", "Tighten terminal lugs",
            "Replace worn rollers", "Check guard interlocks")
    for n, title in enumerate(jobs):
        tech = technicians[n % 2]
        day = last + timedelta(days=n % 5)
        minutes = (120, 240, 90, 60, 90, 120)[n]
        wo = work_orders.create_work_order(manager, WorkOrderCreate(
            title=title, type="preventive" if n % 3 else "corrective", priority="medium",
            equipmentId=assets[(n + 7) % 20].id, assignedTo=tech.id, estimatedDuration=minutes),
            now=at(last - timedelta(days=3), 9))
        schedules.add_item(manager, plan.schedule.id, ScheduleItemCreate(
            workOrderId=wo.id, userId=tech.id, day=day, hours=minutes / 60), now=at(last - timedelta(days=1), 15))
        if n == 5:
            continue  # not started: it rolls over
        # n 4 is done late: finished just now, after its week (as long as the seeding is not in the first
        # hours of a Monday).
        start = at(day, 8) if n != 4 else now - timedelta(minutes=minutes + 60)
        actor = Actor.of(tech)
        work_orders.update_work_order(actor, wo.id, WorkOrderUpdate(status="in_progress"), now=start)
        labor.add_labor(actor, wo.id, LaborCreate(minutes=minutes + rng.randint(-20, 30), performedAt=start), now=now)
        work_orders.update_work_order(actor, wo.id, WorkOrderUpdate(
            status="completed", completionNotes="Done as planned."), now=start + timedelta(minutes=minutes))
    schedules.freeze(manager, plan.schedule.id, now=at(last, 6))
    # Break-in: a jam on Wednesday, put on the frozen plan and done the same day.
    tech = technicians[1]
    wo = work_orders.create_work_order(manager, WorkOrderCreate(
        title="Conveyor jammed at the transfer", type="corrective", priority="high", equipmentId=assets[3].id,
        assignedTo=tech.id, estimatedDuration=180), now=at(last + timedelta(days=2), 9))
    schedules.add_item(manager, plan.schedule.id, ScheduleItemCreate(
        workOrderId=wo.id, userId=tech.id, day=last + timedelta(days=2), hours=3), now=at(last + timedelta(days=2), 9))
    work_orders.update_work_order(Actor.of(tech), wo.id, WorkOrderUpdate(status="in_progress"),
                                  now=at(last + timedelta(days=2), 10))
    labor.add_labor(Actor.of(tech), wo.id, LaborCreate(minutes=170, performedAt=at(last + timedelta(days=2), 10)), now=now)
    work_orders.update_work_order(Actor.of(tech), wo.id, WorkOrderUpdate(
        status="completed", completionNotes="Cleared, guide realigned."), now=at(last + timedelta(days=2), 13))
    _past_plans(manager, this_monday, now, rng)
    # The coming week: a draft with ready work on it, and a training day and a half off.
    coming = this_monday + timedelta(days=7)
    db.session.add(Absence(warehouse_id=manager.warehouse_id, user_id=technicians[1].id, start_date=coming + timedelta(days=2),
                           end_date=coming + timedelta(days=3), reason="Training: vibration analysis"))
    draft, _ = schedules.create_schedule(manager, ScheduleCreate(weekStart=coming))
    ready = [r.work_order for r in schedules.backlog(manager, coming) if r.ready][:4]
    for n, wo in enumerate(ready):
        schedules.add_item(manager, draft.schedule.id, ScheduleItemCreate(
            workOrderId=wo.id, userId=technicians[n % 2].id, day=coming + timedelta(days=n % 2 * 4 + n // 2),
            hours=(wo.estimated_duration or 120) / 60), now=now)


def _past_plans(manager: Actor, this_monday, now, rng: random.Random) -> None:
    """The three weeks before last were planned too: each plan, frozen on its Monday morning, holds the
    preventive and inspection work its week's labor was booked on and that is completed (work worked
    on and left open came up during the week), and one short job that slipped (not done as
    scheduled); the repairs of the week were break-in. Planning the work left open too, and slipped
    jobs of up to 6 hours, made the 30 days' compliance swing with the day the demo was seeded on
    (46 % to 79 %, under 50 % on some Mondays); now 54 % to 64 % on the days checked. Written as the
    planner's rows (the work is long done, the service plans open work only), so that the plan's KPIs
    over 30 days rest on four weeks of plans like a plant that plans every week."""
    from datetime import UTC, datetime, time

    from portal.models import LaborEntry
    from portal.models.planning import Schedule, ScheduleItem

    for weeks_ago in (2, 3, 4):
        monday = this_monday - timedelta(weeks=weeks_ago)
        first = datetime.combine(monday, time(0), tzinfo=UTC)
        frozen = first + timedelta(hours=6)
        plan = Schedule(warehouse_id=manager.warehouse_id, week_start=monday, frozen_at=frozen,
                        frozen_by=manager.id, created_at=frozen - timedelta(days=3))
        db.session.add(plan)
        db.session.flush()
        booked = db.session.execute(
            select(LaborEntry.work_order_id, LaborEntry.user_id, LaborEntry.performed_at, LaborEntry.minutes,
                   WorkOrder.type, WorkOrder.status)
            .join(WorkOrder, WorkOrder.id == LaborEntry.work_order_id)
            .where(LaborEntry.warehouse_id == manager.warehouse_id, LaborEntry.performed_at >= first,
                   LaborEntry.performed_at < first + timedelta(days=7))
            .order_by(LaborEntry.performed_at)).all()
        for wo_id, user_id, performed_at, minutes, wo_type, status in booked:
            break_in = wo_type in ("corrective", "emergency")
            if not break_in and status != "completed":
                continue  # worked on and left open: work that came up, not the plan (the slipped job is below)
            db.session.add(ScheduleItem(
                schedule_id=plan.id, warehouse_id=manager.warehouse_id, work_order_id=wo_id, user_id=user_id,
                day=performed_at.date(), hours=Decimal(str(max(round(minutes / 60 * 2) / 2, 0.5))),
                break_in=break_in, created_by=manager.id,
                created_at=performed_at if break_in else frozen - timedelta(days=1)))
        # A job that was planned and not reached: it stays open, on the plan, not done as scheduled.
        slipped = db.session.scalars(select(WorkOrder).where(
            WorkOrder.warehouse_id == manager.warehouse_id, WorkOrder.status.in_(("assigned", "on_hold")),
            WorkOrder.assigned_to.is_not(None)).order_by(WorkOrder.fo_number).offset(weeks_ago).limit(1)).first()
        if slipped is not None:
            db.session.add(ScheduleItem(
                schedule_id=plan.id, warehouse_id=manager.warehouse_id, work_order_id=slipped.id,
                user_id=slipped.assigned_to, day=monday + timedelta(days=rng.randint(0, 4)),
                hours=Decimal(str(min(slipped.estimated_duration or 120, 120) / 60)), created_by=manager.id,
                created_at=frozen - timedelta(days=1)))
