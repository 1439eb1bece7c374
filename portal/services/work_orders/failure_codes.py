"""The failure catalogue (ISO 14224) of a warehouse and the failure codes on its work orders.

Three lists: failure modes (what was observed: "VIB" vibration), causes or mechanisms (why:
"WEAR") and remedies (what was done: "REPL" replace). A code may be limited to equipment classes
(an asset's equipmentClass); without classes it is offered for every asset, and an asset
without a class is offered every code. A code never changes
once made: work orders carry it. Removing a code that a work order carries only retires it (no
longer offered, still shown on those work orders); one nobody used is deleted.

A warehouse may require the three codes to complete a corrective (or emergency) work order:
bad-actor and Pareto reports are only as good as the codes recorded at closing.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from portal.models import Equipment, FailureCode, Warehouse, WorkOrder
from portal.models.enums import FAILURE_CODE_KIND
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.equipment import class_name
from portal.schemas.failure_codes import FailureCodeCreate, FailureCodeQuery, FailureCodeUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, ValidationFailed, field_error
from portal.services.common.tenancy import get_in_warehouse
from portal.services.data_exchange.columns import csv_line, unescape
from portal.services.data_exchange.csv_files import decode, header_of, rows
from portal.services.identity.permissions import require

# Every warehouse starts with these (migration 0029 for the existing ones, warehouse_created for
# new ones): (kind, code, label, equipment classes; empty = every class).
ROTATING = ("pump", "electric_motor", "compressor", "fan", "conveyor", "gearbox")
DEFAULTS = (
    ("mode", "FTS", "Fails to start", ()),
    ("mode", "UST", "Stops unexpectedly", ()),
    ("mode", "BRD", "Breakdown", ()),
    ("mode", "VIB", "Vibration", ROTATING),
    ("mode", "NOI", "Abnormal noise", ()),
    ("mode", "OHE", "Overheating", ()),
    ("mode", "ELP", "External leakage", ("pump", "compressor", "valve", "gearbox")),
    ("mode", "LOO", "Low output", ("pump", "compressor", "fan", "conveyor")),
    ("mode", "ERO", "Erratic output or control", ()),
    ("mode", "STD", "Structural damage", ()),
    ("cause", "WEAR", "Wear", ()),
    ("cause", "FAT", "Fatigue", ()),
    ("cause", "COR", "Corrosion", ()),
    ("cause", "MIS", "Misalignment", ROTATING),
    ("cause", "LUB", "Lubrication (lack or wrong)", ROTATING),
    ("cause", "CON", "Contamination or blockage", ()),
    ("cause", "OVL", "Overload", ()),
    ("cause", "ELF", "Electrical fault", ()),
    ("cause", "LOS", "Looseness", ()),
    ("cause", "OPE", "Operating error", ()),
    ("cause", "UNK", "Cause not found", ()),
    ("remedy", "REPL", "Replace", ()),
    ("remedy", "REP", "Repair", ()),
    ("remedy", "ADJ", "Adjust or align", ()),
    ("remedy", "CLN", "Clean", ()),
    ("remedy", "LUB", "Lubricate", ()),
    ("remedy", "RES", "Reset or restart", ()),
    ("remedy", "MOD", "Modify", ()),
    ("remedy", "NFF", "Inspected, no fault found", ()),
)
# The work order's fields, by kind, as the API names them.
FIELDS = {"mode": "failureMode", "cause": "failureCause", "remedy": "failureRemedy"}
COLUMN_OF = {"mode": "failure_mode", "cause": "failure_cause", "remedy": "failure_remedy"}
# The work order types whose completion may require the codes: repairs of a failure.
CODED_TYPES = ("corrective", "emergency")
CSV_COLUMNS = ("kind", "code", "label", "equipmentClasses", "active")
MAX_IMPORT_ROWS = 2000


def seed_defaults(warehouse_id: str) -> None:
    """The default catalogue for a warehouse that has none, inside the caller's transaction."""
    s = db.session
    if s.scalar(select(func.count()).select_from(FailureCode).where(FailureCode.warehouse_id == warehouse_id)):
        return
    s.add_all(FailureCode(warehouse_id=warehouse_id, kind=kind, code=code, label=label, equipment_classes=sorted(classes))
              for kind, code, label, classes in DEFAULTS)


def warehouse_created(warehouse: Warehouse, **_: object) -> None:
    """Receiver of warehouse_created (wiring.py): a new warehouse starts with the default catalogue."""
    db.session.flush()
    seed_defaults(warehouse.id)


def equipment_class(text: str | None) -> str | None:
    """"Electric motor" -> "electric_motor"; None when blank or not a class name."""
    try:
        return class_name(text)
    except ValueError:
        return None


def _classes(values: Iterable[str], field: str = "equipmentClasses") -> list[str]:
    out: list[str] = []
    for value in values:
        try:
            name = class_name(value)
        except ValueError:
            raise field_error(field, f"{value!r} is not an equipment class: letters, digits and _ only (e.g. pump)") from None
        if name is None:
            continue
        if name not in out:
            out.append(name)
    return sorted(out)


def usage(warehouse_id: str) -> dict[tuple[str, str], int]:
    """(kind, code) -> how many work orders of the warehouse carry it: one GROUP BY over the three
    columns, summed per code here (the groups are few: the combinations actually used)."""
    wo = WorkOrder
    counts: Counter[tuple[str, str]] = Counter()
    for mode, cause, remedy, n in db.session.execute(
            select(wo.failure_mode, wo.failure_cause, wo.failure_remedy, func.count())
            .where(wo.warehouse_id == warehouse_id,
                   or_(wo.failure_mode.is_not(None), wo.failure_cause.is_not(None), wo.failure_remedy.is_not(None)))
            .group_by(wo.failure_mode, wo.failure_cause, wo.failure_remedy)):
        for kind, code in (("mode", mode), ("cause", cause), ("remedy", remedy)):
            if code is not None:
                counts[(kind, code)] += int(n)
    return dict(counts)


def _offered_for(code: FailureCode, eq_class: str | None) -> bool:
    """Codes without classes fit every asset; an asset without a class is offered every code."""
    return not code.equipment_classes or eq_class is None or eq_class in code.equipment_classes


def list_codes(actor: Actor, query: FailureCodeQuery) -> list[FailureCode]:
    """The catalogue (kind, then code), each with `.uses`; retired ones only when asked."""
    require(actor, "work_orders.read")
    stmt = select(FailureCode).where(FailureCode.warehouse_id == actor.warehouse_id)
    if query.kind:
        stmt = stmt.where(FailureCode.kind.in_(query.kind))
    if not query.include_retired:
        stmt = stmt.where(FailureCode.active.is_(True))
    codes = list(db.session.scalars(stmt))
    if query.equipment_class:
        wanted = equipment_class(query.equipment_class)
        codes = [c for c in codes if _offered_for(c, wanted)]
    uses = usage(actor.warehouse_id)
    for c in codes:
        c.uses = uses.get((c.kind, c.code), 0)
    order = {kind: n for n, kind in enumerate(FAILURE_CODE_KIND.values)}
    return sorted(codes, key=lambda c: (order[c.kind], c.code))


def completion_step(actor: Actor, wo: WorkOrder, *, asking: bool) -> dict[str, Any]:
    """What the work order page shows of failure codes, in three statements at most: the catalogue
    (labels, retired codes too), and when the completion step asks for codes, their use and, in one
    statement, the warehouse's rule with the asset's class. `offered`: per kind, the active codes for
    the asset's class, most used first (then by label)."""
    require(actor, "work_orders.read")
    required, eq_class = False, None
    if asking:
        # The catalogue with the warehouse's rule and the asset's class in one statement: the
        # warehouse's row outer-joined to its codes (one row with no code when it has none).
        asset_class = select(Equipment.equipment_class).where(
            Equipment.id == wo.equipment_id, Equipment.warehouse_id == wo.warehouse_id).scalar_subquery()
        rows = db.session.execute(
            select(Warehouse.require_failure_codes, asset_class, FailureCode).select_from(Warehouse)
            .outerjoin(FailureCode, FailureCode.warehouse_id == Warehouse.id)
            .where(Warehouse.id == wo.warehouse_id)).all()
        codes = [code for _, _, code in rows if code is not None]
        if rows:
            required, eq_class = rows[0][0], rows[0][1]
    else:
        codes = list(db.session.scalars(select(FailureCode).where(FailureCode.warehouse_id == wo.warehouse_id)))
    step: dict[str, Any] = {"labels": {(c.kind, c.code): c.label for c in codes}, "required": required,
                            "offered": {kind: [] for kind in FAILURE_CODE_KIND.values}}
    if not asking:
        return step
    uses = usage(wo.warehouse_id)
    for c in sorted((c for c in codes if c.active and _offered_for(c, eq_class)),
                    key=lambda c: (-uses.get((c.kind, c.code), 0), c.label.lower())):
        step["offered"][c.kind].append(c)
    return step


def labels(warehouse_id: str) -> dict[tuple[str, str], str]:
    """(kind, code) -> label, retired codes included (old work orders show theirs)."""
    return {(k, c): label for k, c, label in db.session.execute(select(
        FailureCode.kind, FailureCode.code, FailureCode.label).where(FailureCode.warehouse_id == warehouse_id))}


def _lock_catalogue(actor: Actor) -> None:
    # One editor of the warehouse's catalogue at a time: codes are checked then written.
    db.session.scalar(select(Warehouse.id).where(Warehouse.id == actor.warehouse_id).with_for_update())


def _code_free(actor: Actor, kind: str, code: str) -> None:
    if db.session.scalar(select(FailureCode.id).where(
            FailureCode.warehouse_id == actor.warehouse_id, FailureCode.kind == kind, FailureCode.code == code)):
        raise field_error("code", f"There is already a {FAILURE_CODE_KIND.label(kind).lower()} {code}", Conflict)


def create_code(actor: Actor, data: FailureCodeCreate, *, now: datetime | None = None) -> FailureCode:
    require(actor, "failure_codes.manage")
    now = now or utcnow()
    code = data.code.upper()
    classes = _classes(data.equipment_classes)
    with unit_of_work() as s:
        _lock_catalogue(actor)
        _code_free(actor, data.kind, code)
        row = FailureCode(warehouse_id=actor.warehouse_id, kind=data.kind, code=code, label=data.label,
                          equipment_classes=classes, active=True, created_at=now, updated_at=now)
        s.add(row)
        s.flush()
        row.uses = 0
        return row


def _uses_of(row: FailureCode) -> int:
    col = getattr(WorkOrder, COLUMN_OF[row.kind])
    return int(db.session.scalar(select(func.count()).select_from(WorkOrder).where(
        WorkOrder.warehouse_id == row.warehouse_id, col == row.code)) or 0)


def update_code(actor: Actor, code_id: str, data: FailureCodeUpdate, *, now: datetime | None = None) -> FailureCode:
    """A new label or classes, retire (active false) or bring back (active true); never the code."""
    require(actor, "failure_codes.manage")
    now = now or utcnow()
    with unit_of_work() as s:
        _lock_catalogue(actor)
        row = get_in_warehouse(FailureCode, code_id, actor, what="Failure code", lock=True)
        if data.label is not None:
            row.label = data.label
        if data.equipment_classes is not None:
            row.equipment_classes = _classes(data.equipment_classes)
        if data.active is not None:
            row.active = data.active
        if s.is_modified(row):
            row.updated_at = now
        s.flush()
        row.uses = _uses_of(row)
        return row


def delete_code(actor: Actor, code_id: str, *, now: datetime | None = None) -> FailureCode | None:
    """Delete a code no work order carries (None); retire one in use and return it."""
    require(actor, "failure_codes.manage")
    now = now or utcnow()
    with unit_of_work() as s:
        _lock_catalogue(actor)
        row = get_in_warehouse(FailureCode, code_id, actor, what="Failure code", lock=True)
        uses = _uses_of(row)
        if not uses:
            s.delete(row)
            return None
        if row.active:
            row.active, row.updated_at = False, now
        s.flush()
        row.uses = uses
        return row


def set_required(actor: Actor, required: bool) -> Warehouse:
    """The warehouse's rule: the three codes needed to complete a corrective work order (on/off)."""
    require(actor, "failure_codes.manage")
    with unit_of_work() as s:
        warehouse = s.scalars(select(Warehouse).where(Warehouse.id == actor.warehouse_id).with_for_update()).one()
        warehouse.require_failure_codes = required
        return warehouse


def is_required(warehouse_id: str) -> bool:
    return bool(db.session.scalar(select(Warehouse.require_failure_codes).where(Warehouse.id == warehouse_id)))


# --- On a work order (services/work_orders/lifecycle.py) ----------------------------------------

def check_work_order_codes(wo: WorkOrder, values: dict[str, Any]) -> None:
    """The failure codes a change sets: each one of the catalogue's active codes of its kind, offered
    for the asset's class. A code the work order already carries passes even when retired since."""
    given = {kind: values[col] for kind, col in COLUMN_OF.items() if values.get(col) is not None}
    if not given:
        return
    eq_class = None
    equipment_id = values.get("equipment_id", wo.equipment_id)
    if equipment_id:
        eq_class = db.session.scalar(select(Equipment.equipment_class).where(
            Equipment.id == equipment_id, Equipment.warehouse_id == wo.warehouse_id))
    found = {(r.kind, r.code): r for r in db.session.scalars(select(FailureCode).where(
        FailureCode.warehouse_id == wo.warehouse_id, FailureCode.code.in_(list(given.values()))))}
    errors = []
    for kind, code in given.items():
        row = found.get((kind, code))
        what = FAILURE_CODE_KIND.label(kind).lower()
        if row is None:
            errors.append({"field": FIELDS[kind], "message": f"{code} is not a {what} of this warehouse's catalogue"})
        elif not row.active and getattr(wo, COLUMN_OF[kind]) != code:
            errors.append({"field": FIELDS[kind], "message": f"{code} is retired: pick another {what}"})
        elif not _offered_for(row, eq_class):
            errors.append({"field": FIELDS[kind], "message": (
                f"{code} is not offered for this asset's class ({eq_class or 'none'})")})
    if errors:
        raise ValidationFailed("Invalid failure codes", errors)


def check_completion(wo: WorkOrder, values: dict[str, Any]) -> None:
    """Completing a corrective or emergency work order in a warehouse that requires the codes:
    the three are set (already, or by this same change). 400 naming the missing fields."""
    if values.get("type", wo.type) not in CODED_TYPES or not is_required(wo.warehouse_id):
        return
    missing = [FIELDS[kind] for kind, col in COLUMN_OF.items() if values.get(col, getattr(wo, col)) is None]
    if missing:
        raise ValidationFailed(
            "Failure codes are required to complete a corrective work order: " + ", ".join(missing),
            [{"field": f, "message": "Required to complete a corrective work order"} for f in missing])


# --- CSV --------------------------------------------------------------------------------------

def export_csv(actor: Actor) -> str:
    """The whole catalogue, retired codes too, in the import's columns (imports again unchanged)."""
    codes = list_codes(actor, FailureCodeQuery(includeRetired=True))
    return csv_line(CSV_COLUMNS) + "".join(
        csv_line((c.kind, c.code, c.label, "|".join(c.equipment_classes), c.active)) for c in codes)


def _row_data(line: int, cells: dict[str, str]) -> dict[str, Any]:
    def bad(column: str, message: str) -> ValidationFailed:
        return ValidationFailed(None, [{"field": f"line {line}", "message": f"{column}: {message}"}])

    kind = cells.get("kind", "").strip().lower()
    if kind not in FAILURE_CODE_KIND:
        raise bad("kind", "must be mode, cause or remedy")
    code = cells.get("code", "").strip().upper()
    if not re.match(r"^[A-Z0-9][A-Z0-9_-]{0,19}$", code):
        raise bad("code", "1 to 20 letters, digits, _ or -")
    label = cells.get("label", "").strip()
    if not label or len(label) > 120:
        raise bad("label", "1 to 120 characters")
    try:
        classes = _classes(cells.get("equipmentclasses", "").split("|"))
    except ValidationFailed as exc:
        raise bad("equipmentClasses", exc.errors[0]["message"]) from None
    active_text = cells.get("active", "").strip().lower() or "true"
    if active_text not in ("true", "false", "yes", "no", "1", "0"):
        raise bad("active", "true or false")
    return {"kind": kind, "code": code, "label": label, "equipment_classes": classes,
            "active": active_text in ("true", "yes", "1")}


def import_csv(actor: Actor, content: bytes, *, now: datetime | None = None) -> dict[str, int]:
    """Create or update codes from a CSV file (the export's columns; kind, code and label required):
    all rows or none. A code absent from the file is left as it is."""
    require(actor, "failure_codes.manage")
    now = now or utcnow()
    text = decode(content)
    header = [re.sub(r"[\s_\-]+", "", h).lower() for h in header_of(text)]
    missing = [c for c in ("kind", "code", "label") if c not in header]
    if missing:
        raise ValidationFailed("The file's first line must name the columns",
                               [{"field": "file", "message": f"Missing column: {', '.join(missing)}"}])
    parsed, errors, seen = [], [], set()
    for n, (line, cells) in enumerate(rows(text)):
        if n >= MAX_IMPORT_ROWS:
            raise field_error("file", f"At most {MAX_IMPORT_ROWS} codes in one file")
        values = {h: unescape(c) for h, c in zip(header, cells, strict=False)}
        try:
            data = _row_data(line, values)
        except ValidationFailed as exc:
            errors += exc.errors
            continue
        if (data["kind"], data["code"]) in seen:
            errors.append({"field": f"line {line}", "message": f"code: {data['code']} appears twice"})
        seen.add((data["kind"], data["code"]))
        parsed.append(data)
    if errors:
        raise ValidationFailed("Nothing imported: fix these lines", errors[:50])
    if not parsed:
        raise field_error("file", "The file has no codes")
    counts = Counter(created=0, updated=0, unchanged=0)
    with unit_of_work() as s:
        _lock_catalogue(actor)
        existing = {(r.kind, r.code): r for r in s.scalars(select(FailureCode).where(
            FailureCode.warehouse_id == actor.warehouse_id))}
        for data in parsed:
            row = existing.get((data["kind"], data["code"]))
            if row is None:
                s.add(FailureCode(warehouse_id=actor.warehouse_id, created_at=now, updated_at=now, **data))
                counts["created"] += 1
                continue
            changed = False
            for name in ("label", "equipment_classes", "active"):
                if getattr(row, name) != data[name]:
                    setattr(row, name, data[name])
                    changed = True
            if changed:
                row.updated_at = now
            counts["updated" if changed else "unchanged"] += 1
    return dict(counts)
