"""The `q=` search of work orders, equipment and parts: one case-insensitive substring match over
each record's searched columns joined (portal/models/search.py), the same answers on SQLite and
PostgreSQL (the suite runs on both), and on PostgreSQL answered from the trigram indexes of
migration 0026 (the plan checked with EXPLAIN on the statements the API really sends)."""
from __future__ import annotations

import factories
import pytest
from conftest import USING_POSTGRES
from sqlalchemy import event, insert

from portal.models import Equipment, Part, WorkOrder
from portal.platform.extensions import db


@pytest.fixture
def plant(users):
    """A few records of each kind in North, and one of each in South that matches every term."""
    boss = users.actor("north", "manager")
    factories.work_order(boss, title="Pump seal leak", description="Drips under the Grundfos housing")
    factories.work_order(boss, title="Fan belt inspection")  # no description (NULL)
    factories.work_order(boss, title="Replace 50% worn belt", description="belt_b is frayed")
    factories.equipment(boss, assetTag="PMP-100", manufacturer="Grundfos", model="CR 64", description=None,
                        location="Boiler house")
    factories.equipment(boss, assetTag="FAN-7", manufacturer="Ziehl", model="ZA 90", description="Roof fan",
                        location=None)
    factories.part(boss, partNumber="BRG-6205", description="Ball bearing 6205-2RS", supplier="SKF Industrial")
    factories.part(boss, partNumber="BLT-SPA", description="V-belt SPA 1250", supplier=None)
    south = users.actor("south", "manager")
    factories.work_order(south, title="Pump belt seal fan")
    factories.equipment(south, assetTag="PMP-SOUTH", manufacturer="Grundfos", description="fan belt")
    factories.part(south, partNumber="BRG-SOUTH", description="belt bearing", supplier="SKF")
    return users


def _found(client, headers, path: str, q: str, field: str) -> list[str]:
    r = client.get(path, query_string={"q": q, "limit": 100}, headers=headers)
    assert r.status_code == 200, r.json
    return sorted(item[field] for item in r.json)


@pytest.mark.parametrize(("q", "titles"), [
    ("PUMP", ["Pump seal leak"]),                                    # case-insensitive, in the title
    ("grundfos", ["Pump seal leak"]),                                # in the description
    ("belt", ["Fan belt inspection", "Replace 50% worn belt"]),      # a NULL description does not hide the title
    ("50%", ["Replace 50% worn belt"]),                              # % matches itself
    ("t_b", ["Replace 50% worn belt"]),                              # _ matches itself, not any character
    ("WO-", ["Fan belt inspection", "Pump seal leak", "Replace 50% worn belt"]),  # the number
    ("ak", ["Pump seal leak"]),                                      # shorter than a trigram
    ("leak drips", []),                                              # not across the title and description
    ("zzz", []),
])
def test_work_order_search(client, auth, plant, q, titles):
    assert _found(client, auth("north", "manager"), "/api/work-orders", q, "title") == titles


@pytest.mark.parametrize(("q", "tags"), [
    ("grundfos", ["PMP-100"]),
    ("cr 6", ["PMP-100"]),
    ("boiler", ["PMP-100"]),                  # location, beside a NULL description
    ("roof", ["FAN-7"]),                      # description, beside a NULL location
    ("-", ["FAN-7", "PMP-100"]),
    ("fan", ["FAN-7"]),
    ("south", []),                            # another warehouse's asset is never found
])
def test_equipment_search(client, auth, plant, q, tags):
    assert _found(client, auth("north", "manager"), "/api/equipment", q, "assetTag") == tags


@pytest.mark.parametrize(("q", "numbers"), [
    ("brg", ["BRG-6205"]),
    ("6205", ["BRG-6205"]),
    ("skf", ["BRG-6205"]),
    ("spa 1250", ["BLT-SPA"]),                # a NULL supplier does not hide the description
    ("B", ["BLT-SPA", "BRG-6205"]),
    ("bearing", ["BRG-6205"]),
])
def test_part_search(client, auth, plant, q, numbers):
    assert _found(client, auth("north", "manager"), "/api/parts", q, "partNumber") == numbers


@pytest.mark.skipif(not USING_POSTGRES, reason="trigram indexes exist on PostgreSQL only (SQLite reads the rows)")
@pytest.mark.parametrize(("path", "q", "index"), [
    ("/api/work-orders", "grundfos", "ix_work_orders_search_trgm"),
    ("/api/equipment", "grundfos", "ix_equipment_search_trgm"),
    ("/api/parts", "skf ind", "ix_parts_search_trgm"),
])
def test_search_is_answered_from_the_trigram_index(client, auth, plant, path, q, index):
    """The statements the API sends for q= are answered from the trigram index: EXPLAIN of each, as
    sent, over a warehouse of 3,000 records of each kind (with fewer the planner rightly reads the
    table or the warehouse index; bench/scale.py checks the plans at a million)."""
    warehouse_id = plant["north"]["manager"].warehouse_id
    filler = 3000
    db.session.execute(insert(WorkOrder), [{"warehouse_id": warehouse_id, "fo_number": f"F-{n}",
                                            "title": f"Routine task {n}", "description": "Check and clean"}
                                           for n in range(filler)])
    db.session.execute(insert(Equipment), [{"warehouse_id": warehouse_id, "asset_tag": f"F-{n}",
                                            "model": "Standard", "description": "Conveyor section"}
                                           for n in range(filler)])
    db.session.execute(insert(Part), [{"warehouse_id": warehouse_id, "part_number": f"F-{n}",
                                       "description": "Hex bolt M8", "supplier": "Local"} for n in range(filler)])
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE work_orders, equipment, parts")  # as autovacuum would
    sent: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "ILIKE" in statement:
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        r = client.get(path, query_string={"q": q}, headers=auth("north", "manager"))
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert r.status_code == 200 and r.headers["X-Total-Count"] == "1"
    assert sent, "no search statement was sent"
    with db.engine.begin() as conn:
        # At 3,000 rows a sequential read still costs about as much as the index (seen in the plans):
        # with it off, the planner's choice is between the warehouse's index and the trigram index.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for statement, parameters in sent:
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            assert f"Bitmap Index Scan on {index}" in plan, plan
