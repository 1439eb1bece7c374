"""CSV imports: bad rows reported while good ones are kept, idempotent re-imports, bounds, roles,
tenancy, and a real worker killed halfway that resumes without writing a row twice."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import factories
import pytest
from conftest import TEST_CONFIG
from rq import Queue
from sqlalchemy import func, select

from portal.jobs.scheduler import AppSimpleWorker
from portal.models import DomainEvent, Equipment, ImportJob, ImportRefusal, Part, StockMovement
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.services.assets import equipment as equipment_service
from portal.services.common.errors import ValidationFailed
from portal.services.data_exchange import import_runs as runs
from portal.services.data_exchange import imports as service

ROOT = Path(__file__).resolve().parent.parent

ASSETS_WITH_A_BAD_ROW = (
    "Asset Tag,model,MANUFACTURER,criticality,Location,Colour\r\n"
    "PUMP-001,CR 64,Grundfos,high,Building A,blue\r\n"
    "PUMP-002,CR 32,Grundfos,extreme,Building B,red\r\n"
    "\r\n"
    "FAN-001,AX 9,Ziehl,low,Roof,grey\r\n"
)


def run_worker() -> None:
    """An RQ worker on the imports queue, in this process, until the queue is empty."""
    db.session.rollback()
    AppSimpleWorker(["imports"], connection=get_redis()).work(burst=True, logging_level="WARNING")
    db.session.rollback()


def upload(client, headers, text: str | bytes, kind: str = "assets", name: str = "assets.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/api/imports", headers=headers, content_type="multipart/form-data",
                       data={"kind": kind, "file": (io.BytesIO(data), name)})


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def events(name: str) -> int:
    return db.session.scalar(select(func.count()).select_from(DomainEvent).where(DomainEvent.event == name))


def test_a_bad_row_is_reported_with_its_line_and_reason_and_the_good_rows_are_kept(client, auth, users):
    h = auth("north", "manager")
    r = upload(client, h, ASSETS_WITH_A_BAD_ROW)
    assert r.status_code == 202, r.json
    body = r.json
    assert r.headers["Location"] == f"/api/imports/{body['id']}"
    assert (body["status"], body["kind"], body["fileName"], body["totalRows"]) == ("queued", "assets", "assets.csv", 3)
    assert Queue("imports", connection=get_redis()).get_job_ids() == [f"import-{body['id']}"]
    run_worker()
    got = client.get(f"/api/imports/{body['id']}", headers=h).json
    assert {k: got[k] for k in ("status", "totalRows", "processedRows", "createdCount", "updatedCount",
                                "refusedCount", "attempts", "error")} == {
        "status": "done", "totalRows": 3, "processedRows": 3, "createdCount": 2, "updatedCount": 0,
        "refusedCount": 1, "attempts": 1, "error": None}
    [refused] = got["refused"]
    assert refused["line"] == 3 and refused["reason"].startswith("criticality: Input should be")
    tags = set(db.session.scalars(select(Equipment.asset_tag)))
    assert tags == {"PUMP-001", "FAN-001"}
    pump = db.session.scalar(select(Equipment).where(Equipment.asset_tag == "PUMP-001"))
    assert (pump.manufacturer, pump.criticality, pump.location, pump.warehouse_id) == (
        "Grundfos", "high", "Building A", users["north"]["manager"].warehouse_id)
    # Written through the service: one equipment.created event per created row, none for the refused one.
    assert events("equipment.created") == 2
    csv_text = client.get(f"/api/imports/{body['id']}/refused.csv", headers=h)
    assert csv_text.status_code == 200 and csv_text.mimetype == "text/csv"
    lines = csv_text.get_data(as_text=True).splitlines()
    assert lines[0] == "line,reason,Asset Tag,model,MANUFACTURER,criticality,Location,Colour"
    assert lines[1].startswith("3,") and lines[1].endswith("PUMP-002,CR 32,Grundfos,extreme,Building B,red")
    assert len(lines) == 2


def test_old_imports_files_are_purged_and_their_refusals_stay(app, client, auth, runner, users):
    h = auth("north", "manager")
    old, recent = (upload(client, h, ASSETS_WITH_A_BAD_ROW).json["id"] for _ in range(2))
    pending = service.create_import(users.actor("north", "manager"), "assets", "later.csv",
                                    ASSETS_WITH_A_BAD_ROW.encode(), start=False).id
    run_worker()
    now = utcnow()
    db.session.execute(db.update(ImportJob).where(ImportJob.id == old)
                       .values(finished_at=now - timedelta(days=91)))
    db.session.execute(db.update(ImportJob).where(ImportJob.id == recent)
                       .values(finished_at=now - timedelta(days=89)))
    db.session.execute(db.update(ImportJob).where(ImportJob.id == pending)
                       .values(created_at=now - timedelta(days=400)))
    db.session.commit()
    result = runner.invoke(args=["jobs", "run", "import-purge"])
    assert result.exit_code == 0, result.output
    assert '"purged": 1' in result.output
    assert runs.purge_files() == {"purged": 0}  # once
    db.session.rollback()
    # The old one: file emptied, counters and refusals kept; its refused rows' CSV is gone (410).
    assert db.session.get(ImportJob, old, populate_existing=True).content == b""
    got = client.get(f"/api/imports/{old}", headers=h).json
    assert got["filePurgedAt"] is not None and (got["createdCount"], got["refusedCount"]) == (2, 1)
    assert [r["line"] for r in got["refused"]] == [3]
    gone = client.get(f"/api/imports/{old}/refused.csv", headers=h)
    assert gone.status_code == 410 and "no longer kept" in gone.json["message"]
    # The recent one and the never-started one keep their files.
    assert client.get(f"/api/imports/{recent}", headers=h).json["filePurgedAt"] is None
    assert client.get(f"/api/imports/{recent}/refused.csv", headers=h).status_code == 200
    assert db.session.get(ImportJob, pending).content == ASSETS_WITH_A_BAD_ROW.encode()
    # IMPORT_KEEP_DAYS=0 keeps files for ever.
    app.config["IMPORT_KEEP_DAYS"] = 0
    db.session.execute(db.update(ImportJob).where(ImportJob.id == recent)
                       .values(finished_at=now - timedelta(days=4000)))
    db.session.commit()
    assert runs.purge_files() == {"purged": 0}


def test_the_same_file_twice_creates_nothing_the_second_time(client, auth):
    h = auth("north", "manager")
    first = upload(client, h, ASSETS_WITH_A_BAD_ROW).json
    run_worker()
    second = upload(client, h, ASSETS_WITH_A_BAD_ROW.replace("Roof", "Roof north")).json
    run_worker()
    got = client.get(f"/api/imports/{second['id']}", headers=h).json
    # PUMP-001's row holds what it already has: unchanged, not updated (and no event for it).
    assert (got["createdCount"], got["updatedCount"], got["unchangedCount"], got["refusedCount"]) == (0, 1, 1, 1)
    assert got["processedRows"] == got["createdCount"] + got["updatedCount"] + got["unchangedCount"] + 1
    assert count(Equipment) == 2
    assert db.session.scalar(select(Equipment.location).where(Equipment.asset_tag == "FAN-001")) == "Roof north"
    assert events("equipment.created") == 2 and events("equipment.updated") == 1  # PUMP-001 did not change
    listed = client.get("/api/imports", headers=h)
    assert [i["id"] for i in listed.json] == [second["id"], first["id"]]


def test_a_key_given_twice_in_one_batch_counts_each_row_for_what_it_did(client, auth, users):
    factories.equipment(users.actor("north", "manager"), assetTag="PUMP-7", model="old")
    h = auth("north", "manager")
    # An empty cell leaves the field as it is: the second row changes the location only, the third
    # holds what the first two wrote.
    upload(client, h, "assetTag,model,location\nPUMP-7,new,\nPUMP-7,,Hall 3\nPUMP-7,new,Hall 3\n")
    run_worker()
    job = db.session.scalar(select(ImportJob))
    assert (job.created_count, job.updated_count, job.unchanged_count, job.refused_count) == (0, 2, 1, 0)
    assert events("equipment.updated") == 2


def test_an_export_imports_again_as_0_created_n_unchanged(client, auth, users):
    manager = users.actor("north", "manager")
    factories.equipment(manager, assetTag="=HYPERLINK(1)", description="-40 °C freezer\nsecond line")
    factories.equipment(manager, assetTag="PUMP-9", installDate="2024-03-01T00:00:00Z", status="down")
    factories.part(manager, partNumber="@SEAL", unitCost="3.10", autoReorder=True, reorderQuantity=4)
    h = auth("north", "manager")
    before = {row.id: (row.asset_tag, row.description, row.install_date, row.status)
              for row in db.session.scalars(select(Equipment))}
    for path, kind in (("/api/equipment/export", "assets"), ("/api/parts/export", "parts")):
        exported = client.get(path, headers=h).get_data()
        job = upload(client, h, exported, kind=kind).json
        run_worker()
        got = client.get(f"/api/imports/{job['id']}", headers=h).json
        assert (got["createdCount"], got["refusedCount"]) == (0, 0), got["refused"]
        assert (got["updatedCount"], got["unchangedCount"]) == (0, got["totalRows"]) and got["totalRows"] > 0
    after = {row.id: (row.asset_tag, row.description, row.install_date, row.status)
             for row in db.session.scalars(select(Equipment))}
    assert after == before  # the ' against formula injection is taken off again
    assert events("equipment.updated") == 0 and count(Part) == 1


def test_too_large_files_and_too_many_rows_answer_413_and_store_nothing(app, client, auth):
    h = auth("north", "manager")
    app.config["MAX_IMPORT_BYTES"] = 200
    r = upload(client, h, "assetTag\n" + "".join(f"T-{i:05d}\n" for i in range(40)))
    assert r.status_code == 413 and r.json["errors"][0]["field"] == "file"
    # Beyond the route's body limit too (the file plus the multipart room): refused before it is read.
    r = client.post("/api/imports?kind=assets", headers={**h, "Content-Type": "text/csv"},
                    data=b"assetTag\n" + b"x" * (200 + 70 * 1024))
    assert r.status_code == 413
    app.config["MAX_IMPORT_BYTES"] = 5 * 1024 * 1024
    app.config["MAX_IMPORT_ROWS"] = 3
    r = upload(client, h, "assetTag\nA\nB\nC\nD\n")
    assert r.status_code == 413 and "at most 3" in r.json["message"]
    assert upload(client, h, "assetTag\nA\nB\n\nC\n").status_code == 202  # blank lines are not rows
    assert count(ImportJob) == 1 and count(Equipment) == 0


@pytest.mark.parametrize(("body", "field", "message"), [
    ("model,manufacturer\nCR 64,Grundfos\n", "file", "Missing the required column assetTag"),
    ("", "file", "empty"),
    ("assetTag\n\n", "file", "no rows"),
])
def test_files_without_the_key_column_or_rows_are_400(client, auth, body, field, message):
    r = upload(client, auth("north", "manager"), body)
    assert r.status_code == 400 and r.json["errors"][0]["field"] == field and message in r.json["errors"][0]["message"]
    assert count(ImportJob) == 0


def test_raw_text_csv_with_kind_and_the_other_bodies(client, auth):
    h = auth("north", "manager")
    r = client.post("/api/imports?kind=parts", headers={**h, "Content-Type": "text/csv"},
                    data=b"part_number;stock level;unitCost\nBRG-1;5;2.50\n")
    assert r.status_code == 202 and r.json["kind"] == "parts"
    run_worker()
    part = db.session.scalar(select(Part))
    assert (part.part_number, part.stock_level, str(part.unit_cost)) == ("BRG-1", 5, "2.50")
    assert count(StockMovement) == 1  # the initial ledger row, as for POST /api/parts
    r = client.post("/api/imports", headers={**h, "Content-Type": "text/csv"}, data=b"partNumber\nX\n")
    assert r.status_code == 400 and r.json["errors"] == [{"field": "kind", "message": "Field required: assets or parts"}]
    r = client.post("/api/imports?kind=tools", headers={**h, "Content-Type": "text/csv"}, data=b"x\n1\n")
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "kind"
    r = client.post("/api/imports?kind=parts", headers=h, json={"partNumber": "X"})
    assert r.status_code == 415


def test_an_existing_parts_stock_is_not_overwritten_by_an_import(client, auth, users):
    factories.part(users.actor("north", "manager"), partNumber="BRG-7", stockLevel=9, description="old")
    h = auth("north", "manager")
    upload(client, h, "partNumber,stockLevel,description\nBRG-7,9,same stock\nBRG-7,12,other stock\nBRG-8,3,new\n",
           kind="parts")
    run_worker()
    job = db.session.scalar(select(ImportJob))
    assert (job.created_count, job.updated_count, job.refused_count) == (1, 1, 1)  # BRG-7's description
    [refusal] = db.session.scalars(select(ImportRefusal))
    assert refusal.line == 3 and refusal.reason.startswith("stockLevel: The part exists with stock 9")
    assert db.session.scalar(select(Part.description).where(Part.part_number == "BRG-7")) == "same stock"


def test_a_row_failing_halfway_through_its_service_leaves_nothing_behind(client, auth, monkeypatch):
    """The equipment row is flushed before the event: a failure there rolls back the row's savepoint."""
    real = equipment_service.record_event

    def failing(event, **kw):
        if kw["payload"]["equipment"]["assetTag"] == "BOOM":
            raise ValidationFailed(None, [{"field": "assetTag", "message": "boom"}])
        return real(event, **kw)

    monkeypatch.setattr(equipment_service, "record_event", failing)
    upload(client, auth("north", "manager"), "assetTag\nA-1\nBOOM\nA-2\n")
    run_worker()
    assert set(db.session.scalars(select(Equipment.asset_tag))) == {"A-1", "A-2"}
    assert events("equipment.created") == 2
    assert db.session.scalar(select(ImportRefusal.reason)) == "assetTag: boom"


@pytest.mark.parametrize("role", ["technician", "requester"])
def test_only_managers_and_admins_import(client, auth, users, role):
    h = auth("north", role)
    assert upload(client, h, "assetTag\nA\n").status_code == 403
    job = service.create_import(users.actor("north", "manager"), "assets", "a.csv", b"assetTag\nA\n", start=False)
    for path in ("/api/imports", f"/api/imports/{job.id}", f"/api/imports/{job.id}/refused.csv"):
        assert client.get(path, headers=h).status_code == 403, path
    assert upload(client, auth("north", "admin"), "assetTag\nB\n").status_code == 202


def test_another_warehouses_import_is_not_found(client, auth, users):
    job = service.create_import(users.actor("south", "manager"), "assets", "a.csv", b"assetTag\nA\n", start=True)
    h = auth("north", "manager")
    for path in (f"/api/imports/{job.id}", f"/api/imports/{job.id}/refused.csv"):
        r = client.get(path, headers=h)
        assert r.status_code == 404 and r.json["message"] == "Import not found", path
    assert client.get("/api/imports", headers=h).json == []
    # Tags are per warehouse: the same tag imported in north creates north's own asset.
    run_worker()
    upload(client, h, "assetTag\nA\n")
    run_worker()
    assert count(Equipment) == 2


def test_a_run_that_crashed_mid_batch_resumes_after_the_last_committed_batch(app, users, monkeypatch):
    app.config["IMPORT_BATCH_ROWS"] = 4
    manager = users.actor("north", "manager")
    text = "assetTag,criticality\n" + "".join(f"T-{i:03d},{'bad' if i == 6 else 'low'}\n" for i in range(1, 15))
    job = service.create_import(manager, "assets", "t.csv", text.encode(), start=True)
    real = runs._upsert
    calls = {"n": 0}

    def dies_on_the_10th_row(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 10:
            raise SystemExit("worker killed")  # not a refusal: the batch's transaction is lost
        return real(*args, **kwargs)

    monkeypatch.setattr(runs, "_upsert", dies_on_the_10th_row)
    Queue("imports", connection=get_redis()).empty()  # this test plays the worker that took the job
    with pytest.raises(SystemExit):
        runs.run(job.id)
    db.session.rollback()
    job = db.session.get(ImportJob, job.id, populate_existing=True)
    # Rows 1-8 (two batches) committed with their counters; the third batch left nothing.
    assert (job.status, job.processed_rows, job.last_line, job.created_count, job.refused_count) == ("running", 8, 9, 7, 1)
    assert count(Equipment) == 7
    # A live lease: neither a second copy of the job nor the sweep takes it.
    assert runs.run(job.id)["skipped"]
    assert runs.sweep() == {"queued": 0, "abandoned": 0, "enqueued": 0}
    later = utcnow() + runs.lease() + timedelta(seconds=1)
    assert runs.sweep(now=later) == {"queued": 0, "abandoned": 1, "enqueued": 1}
    monkeypatch.setattr(runs, "utcnow", lambda: later)
    result = runs.run(job.id)
    assert result == {"importId": job.id, "status": "done", "created": 13, "updated": 0, "unchanged": 0,
                      "refused": 1}
    job = db.session.get(ImportJob, job.id, populate_existing=True)
    assert (job.processed_rows, job.attempts, job.claimed_until) == (14, 2, None)
    assert count(Equipment) == 13 and events("equipment.created") == 13
    assert [r.line for r in db.session.scalars(select(ImportRefusal))] == [7]


def test_a_run_stopped_by_an_error_keeps_it_and_the_final_failure_says_so(app, users, monkeypatch):
    app.config["IMPORT_MAX_ATTEMPTS"] = 1
    job = service.create_import(users.actor("north", "manager"), "assets", "t.csv", b"assetTag\nA\nB\n", start=True)

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(runs, "_upsert", broken)
    with pytest.raises(RuntimeError):
        runs.run(job.id)
    job = db.session.get(ImportJob, job.id, populate_existing=True)
    assert (job.status, job.error, job.processed_rows) == ("running", "RuntimeError after line 1", 0)
    monkeypatch.setattr(runs, "utcnow", lambda: utcnow() + timedelta(hours=1))
    assert runs.run(job.id)["status"] == "failed"
    job = db.session.get(ImportJob, job.id, populate_existing=True)
    assert job.error.startswith("Stopped after 1 run that did not finish (the last one: RuntimeError")
    assert count(Equipment) == 0


def test_an_import_whose_workers_keep_dying_is_reported_failed(app, users):
    app.config["IMPORT_MAX_ATTEMPTS"] = 2
    job = service.create_import(users.actor("north", "manager"), "assets", "t.csv", b"assetTag\nA\n", start=True)
    past = utcnow() - timedelta(hours=1)
    db.session.execute(db.update(ImportJob).where(ImportJob.id == job.id).values(
        status="running", attempts=2, claimed_until=past))
    db.session.commit()
    assert runs.run(job.id) == {"importId": job.id, "status": "failed"}
    job = db.session.get(ImportJob, job.id, populate_existing=True)
    assert job.status == "failed" and "did not finish" in job.error and count(Equipment) == 0


def test_a_queued_import_that_never_reached_redis_is_enqueued_by_the_sweep(users):
    job = service.create_import(users.actor("north", "manager"), "assets", "t.csv", b"assetTag\nA\n", start=True)
    queue = Queue("imports", connection=get_redis())
    queue.empty()
    assert runs.sweep() == {"queued": 1, "abandoned": 0, "enqueued": 1}
    assert runs.sweep() == {"queued": 1, "abandoned": 0, "enqueued": 0}  # now waiting on the queue
    run_worker()
    assert db.session.get(ImportJob, job.id, populate_existing=True).status == "done"
    assert runs.sweep() == {"queued": 0, "abandoned": 0, "enqueued": 0}


def test_a_real_worker_killed_halfway_resumes_and_writes_every_row_exactly_once(app, users):
    rows = 800
    text = "assetTag,model,criticality\n" + "".join(
        f"K-{i:05d},M{i},{'nonsense' if i % 200 == 0 else 'medium'}\n" for i in range(1, rows + 1))
    job = service.create_import(users.actor("north", "manager"), "assets", "big.csv", text.encode(), start=True)
    db.session.rollback()
    env = dict(os.environ, PYTHONPATH=str(ROOT), DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               IMPORT_BATCH_ROWS="20",
               REDIS_URL=TEST_CONFIG.get("REDIS_URL") or "unix://" + get_redis().connection_pool.connection_kwargs["path"])
    worker = subprocess.Popen([sys.executable, str(ROOT / "worker.py"), "--no-cron", "--queues", "imports"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        processed = 0
        while processed < 200 and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.02)
            db.session.rollback()
            processed = db.session.scalar(select(ImportJob.processed_rows).where(ImportJob.id == job.id))
    finally:
        # The whole group: RQ's scheduler, a child of the worker, would outlive it otherwise.
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    db.session.rollback()
    job = db.session.get(ImportJob, job.id, populate_existing=True)
    assert job.status == "running" and 200 <= job.processed_rows < rows, (
        job.status, job.processed_rows, worker.stderr.read().decode()[-2000:])
    # What committed is consistent: every row counted exists, nothing of the lost batch does.
    assert count(Equipment) == job.created_count
    assert job.processed_rows == job.created_count + job.refused_count and job.processed_rows % 20 == 0
    # The dead worker's lease runs out; the sweep puts the import back, a worker finishes it.
    later = utcnow() + runs.lease() + timedelta(seconds=1)
    assert runs.sweep(now=later)["abandoned"] == 1
    db.session.execute(db.update(ImportJob).where(ImportJob.id == job.id).values(claimed_until=utcnow()))
    db.session.commit()
    run_worker()
    job = db.session.get(ImportJob, job.id, populate_existing=True)
    assert (job.status, job.processed_rows, job.created_count, job.updated_count, job.refused_count, job.attempts) == (
        "done", rows, rows - 4, 0, 4, 2)
    assert count(Equipment) == rows - 4
    assert db.session.scalar(select(func.count(func.distinct(Equipment.asset_tag)))) == rows - 4
    assert events("equipment.created") == rows - 4
    assert [r.line for r in db.session.scalars(select(ImportRefusal).order_by(ImportRefusal.line))] == [201, 401, 601, 801]


def test_a_released_savepoint_bumps_the_cache_only_at_the_real_commit(users, monkeypatch):
    """Each imported row commits a savepoint: the cache's generation bump must wait for the batch's
    commit, or a reader in between would cache what is not committed yet (and keep it)."""
    from portal.platform import cache

    bumps: list[set] = []
    monkeypatch.setattr(cache, "_send_bumps", lambda _app, warehouses: bumps.append(set(warehouses)))
    manager = users.actor("north", "manager")
    with unit_of_work() as s:
        with s.begin_nested():
            factories.equipment(manager, assetTag="SAVE-1")
        assert bumps == []
    assert bumps == [{manager.warehouse_id}]
