"""The portal's lists past a capped count (LIST_COUNT_CAP, tests/test_list_counts.py for the API):
the pager and the captions say "at least" and the next page stays offered."""
from __future__ import annotations

import re

import factories
from sqlalchemy import insert

from portal.models import Equipment, Part, WorkOrder
from portal.platform.extensions import db


def test_portal_lists_say_at_least(client, users, app, portal_login):
    """Past the cap, the portal's pager and captions say "30+" and still offer the next page."""
    boss = users.actor("north", "manager")
    for n in range(7):
        factories.equipment(boss, assetTag=f"EQ-{n}")
        factories.part(boss, partNumber=f"P-{n}")
    warehouse_id = users["north"]["manager"].warehouse_id
    db.session.execute(insert(Equipment), [{"warehouse_id": warehouse_id, "asset_tag": f"F-{n:02d}"}
                                           for n in range(60)])
    db.session.execute(insert(Part), [{"warehouse_id": warehouse_id, "part_number": f"F-{n:02d}"}
                                      for n in range(60)])
    db.session.commit()
    app.config["LIST_COUNT_CAP"] = 30
    portal_login(users["north"]["manager"])
    for path in ("/assets", "/parts"):
        html = client.get(path).get_data(as_text=True)
        assert "30+ in all" in html or "30+</" in html or "the 30+ " in html, path
        assert "Next</a>" in html and "Page 1 of 2+" in html, path
    app.config["LIST_COUNT_CAP"] = 1000
    html = client.get("/assets").get_data(as_text=True)
    assert "67 in all" in html and "+ in all" not in html



def test_portal_searches_count_to_the_search_cap(client, users, app, portal_login):
    """A search (q=) on the board and the asset and part lists counts to SEARCH_COUNT_CAP (here 30,
    LIST_COUNT_CAP staying higher): "30+"; without q= the list is counted to LIST_COUNT_CAP."""
    boss = users.actor("north", "manager")
    factories.work_order(boss, title="Fan")
    warehouse_id = users["north"]["manager"].warehouse_id
    db.session.execute(insert(WorkOrder), [{"warehouse_id": warehouse_id, "fo_number": f"X-{n}", "title": f"Pump {n}"}
                                           for n in range(150)])
    db.session.execute(insert(Equipment), [{"warehouse_id": warehouse_id, "asset_tag": f"PUMP-{n:02d}"}
                                           for n in range(60)])
    db.session.execute(insert(Part), [{"warehouse_id": warehouse_id, "part_number": f"PUMP-{n:02d}"}
                                      for n in range(60)])
    db.session.commit()
    app.config["SEARCH_COUNT_CAP"] = 30
    portal_login(users["north"]["manager"])
    for path in ("/assets?q=pump", "/parts?q=pump"):
        html = client.get(path).get_data(as_text=True)
        assert "30+ in all" in html or "the 30+ " in html, (path, re.findall(r".{40}in all", html))
    board = client.get("/work-orders?q=pump").get_data(as_text=True)  # a page of 100 rows: counted to 100
    assert "the 100+ work orders" in board, re.findall(r"the \S+ work orders", board)
    board = client.get("/work-orders").get_data(as_text=True)  # no search: LIST_COUNT_CAP
    assert "the 151 work orders" in board, re.findall(r"the \S+ work orders", board)
    board = client.get("/work-orders?q=fan").get_data(as_text=True)
    assert "the 1 work orders" in board, re.findall(r"the \S+ work orders", board)
