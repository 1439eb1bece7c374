"""The portal's lists past a capped count (LIST_COUNT_CAP, tests/test_list_counts.py for the API):
the pager and the captions say "at least" and the next page stays offered."""
from __future__ import annotations

import factories
from sqlalchemy import insert

from portal.models import Equipment, Part
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
