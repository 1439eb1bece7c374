"""The import pages (upload -> preview -> progress -> report) and the lists' CSV exports."""
from __future__ import annotations

import io
import tracemalloc
from datetime import timedelta

import factories
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, insert, select
from test_imports import ASSETS_WITH_A_BAD_ROW, run_worker

from portal.models import Equipment, ImportJob
from portal.models.types import new_id, utcnow
from portal.platform.extensions import db
from portal.services.data_exchange import exports as export_service
from portal.services.data_exchange import import_runs
from portal.services.data_exchange import imports as import_service
from portal.services.data_exchange.columns import COLUMNS
from web.conftest import count_queries, csrf_from

HX = {"HX-Request": "true"}


def token(client, path: str = "/imports") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def post_file(client, text: str, kind: str = "assets", csrf: str | None = None, name: str = "plant.csv"):
    data = {"kind": kind, "file": (io.BytesIO(text.encode()), name)}
    if csrf is not None:
        data["csrf_token"] = csrf
    return client.post("/imports", data=data, content_type="multipart/form-data")


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def test_a_column_that_appears_twice_is_named_as_such_not_as_unknown(client, users, portal_login):
    portal_login(users["north"]["manager"])
    text = "assetTag,model,Model,Colour\nPUMP-1,CR 64,CR 99,red\n"
    assert post_file(client, text, csrf=token(client)).status_code == 303
    job = db.session.scalar(select(ImportJob))
    preview = soup(client.get(f"/imports/{job.id}"))
    mapping = [(row.th.get_text(), row.td.get_text(" ", strip=True)) for row in preview.select(".imp-mapping tbody tr")]
    assert mapping == [("assetTag", "assetTag"), ("model", "model"),
                       ("Model", "ignored: appears twice, the first is read"), ("Colour", "ignored: unknown column")]
    notes = [p.get_text(" ", strip=True) for p in preview.select(".imp-note")]
    assert notes == ["Unknown columns, ignored: Colour .", "Columns that appear twice, only the first one read: Model ."]
    assert "2 ignored" in preview.get_text(" ", strip=True)
    rows = [[td.get_text() for td in tr.select("td")] for tr in preview.select(".imp-rows tbody tr")]
    assert rows == [["2", "PUMP-1", "CR 64"]]


def test_upload_preview_start_progress_report(client, users, portal_login):
    portal_login(users["north"]["manager"])
    page = client.get("/imports")
    assert page.status_code == 200
    nav = soup(page).select_one("nav a[aria-current=page]")
    assert nav.get_text() == "Import"
    resp = post_file(client, ASSETS_WITH_A_BAD_ROW, csrf=token(client))
    assert resp.status_code == 303
    job = db.session.scalar(select(ImportJob))
    assert resp.headers["Location"].endswith(f"/imports/{job.id}") and job.status == "pending"

    preview = soup(client.get(f"/imports/{job.id}"))
    mapping = {row.th.get_text(): row.td.get_text(" ", strip=True) for row in preview.select(".imp-mapping tbody tr")}
    assert mapping == {"Asset Tag": "assetTag", "model": "model", "MANUFACTURER": "manufacturer",
                       "criticality": "criticality", "Location": "location", "Colour": "ignored: unknown column"}
    assert "Unknown columns, ignored: Colour" in preview.select_one(".imp-note").get_text(" ", strip=True)
    rows = [[td.get_text() for td in tr.select("td")] for tr in preview.select(".imp-rows tbody tr")]
    assert rows == [["2", "PUMP-001", "CR 64", "Grundfos", "high", "Building A"],
                    ["3", "PUMP-002", "CR 32", "Grundfos", "extreme", "Building B"],
                    ["5", "FAN-001", "AX 9", "Ziehl", "low", "Roof"]]
    start = preview.select_one(f"form[action='/imports/{job.id}/start']")
    assert start.select_one("input[name=csrf_token]")["value"]
    assert db.session.scalar(select(func.count()).select_from(Equipment)) == 0  # nothing written yet

    resp = client.post(f"/imports/{job.id}/start", data={"csrf_token": start.select_one("input[name=csrf_token]")["value"]})
    assert resp.status_code == 303
    db.session.rollback()
    assert db.session.get(ImportJob, job.id, populate_existing=True).status == "queued"
    progress = soup(client.get(f"/imports/{job.id}")).select_one("#imp-status")
    assert progress["hx-get"] == f"/imports/{job.id}/progress" and progress["hx-trigger"] == "every 1s"
    assert progress["hx-swap"] == "outerHTML" and progress.select_one("progress")["value"] == "0"

    fragment = client.get(f"/imports/{job.id}/progress", headers=HX)
    assert "<html" not in fragment.get_data(as_text=True) and "HX-Request" in fragment.headers["Vary"]
    plain = client.get(f"/imports/{job.id}/progress")  # not htmx (a reload of the poll URL): the page
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"/imports/{job.id}")
    assert soup(fragment).select_one("#imp-status")["hx-trigger"] == "every 1s"

    run_worker()
    final = client.get(f"/imports/{job.id}/progress", headers=HX)
    report = soup(final).select_one("#imp-status")
    assert not report.has_attr("hx-trigger") and not report.has_attr("hx-get")  # polling stops
    counts = [li.get_text(" ", strip=True) for li in report.select(".imp-counts li")]
    assert counts[:4] == ["2 created", "0 updated", "0 unchanged", "1 refused"]
    [refused] = report.select(".imp-refused tbody tr")
    line, reason = (td.get_text() for td in refused.select("td"))
    assert line == "3" and reason.startswith("criticality: Criticality must be one of: low, medium, high, critical")
    link = report.select_one(f"a[href='/imports/{job.id}/refused.csv']")
    assert link is not None
    csv_resp = client.get(link["href"])
    assert csv_resp.status_code == 200 and csv_resp.get_data(as_text=True).splitlines()[1].startswith("3,")

    past = soup(client.get("/imports"))
    assert [td.get_text() for td in past.select(".imp-table tbody tr td")][:7] == ["assets", "done", "3", "2", "0", "0", "1"]


def test_upload_errors_are_shown_next_to_their_field(app, client, users, portal_login):
    portal_login(users["north"]["manager"])
    csrf = token(client)
    resp = client.post("/imports", data={"csrf_token": csrf, "kind": "assets"}, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert soup(resp).select_one("#e-file").get_text() == "Choose a CSV file"
    resp = post_file(client, "model\nCR 64\n", csrf=csrf)
    assert resp.status_code == 422 and "Missing the required column assetTag" in soup(resp).select_one("#e-file").get_text()
    resp = post_file(client, "assetTag\nA\n", kind="tools", csrf=csrf)
    assert resp.status_code == 422 and soup(resp).select_one("#e-kind")
    app.config["MAX_IMPORT_BYTES"] = 100
    resp = post_file(client, "assetTag\n" + "A-1234567\n" * 20, csrf=csrf)
    assert resp.status_code == 422 and "larger than" in soup(resp).select_one("#e-file").get_text()
    assert soup(resp).select_one("#f-file")["aria-invalid"] == "true"
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_csrf_is_required_on_upload_and_start(client, users, portal_login):
    portal_login(users["north"]["manager"])
    assert post_file(client, "assetTag\nA\n").status_code == 400
    job = import_service.create_import(users.actor("north", "manager"), "assets", "a.csv", b"assetTag\nA\n", start=False)
    assert client.post(f"/imports/{job.id}/start", headers=HX).status_code == 400
    db.session.rollback()
    assert db.session.get(ImportJob, job.id, populate_existing=True).status == "pending"
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 1


@pytest.mark.parametrize("role", ["technician", "requester"])
def test_technicians_and_requesters_cannot_import(client, users, portal_login, role):
    job = import_service.create_import(users.actor("north", "manager"), "assets", "a.csv", b"assetTag\nA\n", start=False)
    portal_login(users["north"][role])
    assert "Import" not in [a.get_text() for a in soup(client.get("/")).select("nav a")]
    csrf = token(client, "/")
    assert client.get("/imports").status_code == 403
    assert post_file(client, "assetTag\nA\n", csrf=csrf).status_code == 403
    for path in (f"/imports/{job.id}", f"/imports/{job.id}/progress", f"/imports/{job.id}/refused.csv"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/imports/{job.id}/start", data={"csrf_token": csrf}).status_code == 403


def test_another_warehouses_import_is_404(client, users, portal_login):
    job = import_service.create_import(users.actor("south", "manager"), "assets", "a.csv", b"assetTag\nA\n", start=False)
    portal_login(users["north"]["manager"])
    for path in (f"/imports/{job.id}", f"/imports/{job.id}/progress", f"/imports/{job.id}/refused.csv"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/imports/{job.id}/start", data={"csrf_token": token(client)}).status_code == 404
    db.session.rollback()
    assert db.session.get(ImportJob, job.id, populate_existing=True).status == "pending"


def test_the_lists_link_their_export_with_the_filters(client, users, portal_login):
    manager = users.actor("north", "manager")
    factories.equipment(manager, assetTag="P-1", status="down")
    factories.part(manager, partNumber="S-1", stockLevel=1, reorderPoint=5)
    factories.work_order(manager, priority="high")
    portal_login(users["north"]["manager"])
    for page, href in (("/assets?status=down&page=1", "/assets/export.csv?status=down"),
                       ("/parts?lowStock=true", "/parts/export.csv?lowStock=true"),
                       ("/work-orders?priority=high", "/work-orders/export.csv?priority=high")):
        link = soup(client.get(page)).select_one(".exp-link a")
        assert link["href"] == href and link.get_text() == "Export CSV", page
        assert link["hx-boost"] == "false"


def test_asset_export_respects_filters_and_escapes_formulas(client, users, portal_login):
    manager = users.actor("north", "manager")
    factories.equipment(manager, assetTag="=cmd|' /C calc'!A0", status="down", description="+SUM(A1)")
    factories.equipment(manager, assetTag="OK-1", status="active", description="-40 freezer", location="@home")
    factories.equipment(users.actor("south", "manager"), assetTag="SOUTH-1", status="down")
    portal_login(users["north"]["manager"])
    resp = client.get("/assets/export.csv?status=down")
    assert resp.status_code == 200 and resp.mimetype == "text/csv" and resp.is_streamed
    assert resp.headers["Content-Disposition"] == 'attachment; filename="assets.csv"'
    lines = resp.get_data(as_text=True).splitlines()
    assert lines[0] == ",".join(COLUMNS["assets"])
    assert len(lines) == 2 and lines[1].startswith("'=cmd|' /C calc'!A0,") and ",'+SUM(A1)," in lines[1]
    everything = client.get("/assets/export.csv").get_data(as_text=True)
    assert "'-40 freezer" in everything and "'@home" in everything and "SOUTH-1" not in everything


def test_work_order_export_takes_the_lists_filters(client, users, portal_login):
    manager = users.actor("north", "manager")
    eq = factories.equipment(manager, assetTag="PUMP-7")
    late = factories.work_order(manager, title="Seal leak", priority="high", equipmentId=eq.id,
                                dueDate=(utcnow() - timedelta(days=2)).isoformat())
    factories.work_order(manager, title="Seal check", priority="low")
    factories.work_order(manager, title="Belt", priority="high")
    factories.work_order(users.actor("south", "manager"), title="Seal south", priority="high")
    portal_login(users["north"]["manager"])

    def export(query: str) -> list[list[str]]:
        import csv

        text = client.get("/work-orders/export.csv" + query).get_data(as_text=True)
        return list(csv.reader(io.StringIO(text)))

    header, *rows = export("?q=seal&priority=high")
    assert header[:4] == ["foNumber", "title", "description", "status"]
    assert [r[1] for r in rows] == ["Seal leak"]
    assert rows[0][header.index("assetTag")] == "PUMP-7" and rows[0][header.index("id")] == late.id
    assert [r[1] for r in export("?overdue=true")[1:]] == ["Seal leak"]
    assert sorted(r[1] for r in export("?priority=high")[1:]) == ["Belt", "Seal leak"]
    assert len(export("")) == 4
    assert client.get("/work-orders/export.csv?priority=urgent").status_code == 400


def test_exports_are_streamed_in_chunks_without_holding_every_row(app, client, users, portal_login):
    warehouse = users["north"]["manager"].warehouse_id
    n = 20_000
    now = utcnow()
    db.session.execute(insert(Equipment), [
        {"id": new_id(), "warehouse_id": warehouse, "asset_tag": f"BULK-{i:06d}", "model": "M" * 40,
         "description": "D" * 60, "status": "active", "criticality": "medium", "created_at": now, "updated_at": now,
         "report_token": new_id() + f"{i}"} for i in range(n)])
    db.session.commit()
    portal_login(users["north"]["manager"])
    # One export first, not measured: what a process builds once and keeps (imports, compiled
    # statements) is not what the rows cost; run alone, this test would otherwise count it.
    assert len(b"".join(client.get("/assets/export.csv").response)) > 2_000_000
    resp = client.get("/assets/export.csv")
    assert resp.is_streamed
    tracemalloc.start()
    try:
        chunks = size = early_peak = 0
        biggest_identity_map = 0
        for chunk in resp.response:
            chunks += 1
            size += len(chunk)
            biggest_identity_map = max(biggest_identity_map, len(db.session.identity_map))
            if chunks == 6:
                early_peak = tracemalloc.get_traced_memory()[1]  # after 2,500 of the 20,000 rows
        final_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert chunks == 1 + -(-n // export_service.CHUNK_ROWS)  # the header, then one chunk per 500 rows
    assert size > 2_000_000
    # Memory does not grow with the rows: the peak after 20,000 rows is the peak after 2,500
    # (one chunk of rows at a time), and the session never holds more than about one chunk.
    assert final_peak < early_peak * 1.2 + 256 * 1024, (early_peak, final_peak, size)
    assert final_peak < size, (final_peak, size)
    assert biggest_identity_map <= export_service.CHUNK_ROWS + 50


def test_a_progress_poll_runs_a_few_queries_and_the_list_does_not_grow_per_import(client, users, portal_login):
    manager = users.actor("north", "manager")
    job = import_service.create_import(manager, "assets", "a.csv", b"assetTag\nA\n", start=True)
    portal_login(users["north"]["manager"])
    running = count_queries(client, f"/imports/{job.id}/progress", headers=HX)
    run_worker()
    done = count_queries(client, f"/imports/{job.id}/progress", headers=HX)
    # The login session with its user, the import; the report adds its refused rows.
    assert running <= 3 and done == running + 1, (running, done)
    import_service.create_import(manager, "assets", "b.csv", b"assetTag\nB\n", start=False)
    # BEGIN, the login session with its user, count, page, the header bell's unread count, and the menu's
    # count of requests waiting in the inbox (managers and admins: services/work_orders/requests.py).
    one = count_queries(client, "/imports")
    assert one <= 6
    for _ in range(5):
        import_service.create_import(manager, "assets", "b.csv", b"assetTag\nB\n", start=False)
    assert count_queries(client, "/imports") == one


def test_a_purged_imports_report_keeps_its_refusals_and_offers_no_download(client, users, portal_login):
    job = import_service.create_import(users.actor("north", "manager"), "assets", "old.csv",
                                       ASSETS_WITH_A_BAD_ROW.encode(), start=True)
    run_worker()
    db.session.execute(db.update(ImportJob).where(ImportJob.id == job.id)
                       .values(finished_at=utcnow() - timedelta(days=100)))
    db.session.commit()
    assert import_runs.purge_files() == {"purged": 1}
    portal_login(users["north"]["manager"])
    report = soup(client.get(f"/imports/{job.id}")).select_one("#imp-status")
    text = report.get_text(" ", strip=True)
    assert "no longer kept" in text and "Download refused rows" not in text
    assert [td.get_text() for td in report.select(".imp-refused tbody tr td")][:1] == ["3"]
    assert client.get(f"/imports/{job.id}/refused.csv").status_code == 410


def test_a_very_wide_header_makes_a_bounded_preview(client, users, portal_login):
    """Issue 22: a 200,000-column header made a 22.8 MB preview page; the ignored columns are summarised."""
    portal_login(users["north"]["manager"])
    extra = [f"x{i}" for i in range(200_000)]
    text = ",".join(["assetTag", "model", *extra]) + "\nPUMP-1,CR 64\n"
    assert post_file(client, text, csrf=token(client)).status_code == 303
    job = db.session.scalar(select(ImportJob))
    resp = client.get(f"/imports/{job.id}")
    assert resp.status_code == 200
    assert len(resp.get_data()) < 100_000
    page = soup(resp)
    mapping = [row.th.get_text() for row in page.select(".imp-mapping tbody tr")]
    assert mapping[:3] == ["assetTag", "model", "x0"] and mapping[-1] == "and 199,980 more"
    assert len(mapping) == 2 + 20 + 1
    note = page.select_one(".imp-note").get_text(" ", strip=True)
    assert note.startswith("Unknown columns, ignored: x0, x1,") and note.endswith("and 199,980 more unknown columns.")
    assert "200,000 ignored" in page.get_text(" ", strip=True)
