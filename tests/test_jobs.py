"""Periodic jobs: the CLI, escalation, low stock, and the RQ cron scheduler that enqueues them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from conftest import TEST_CONFIG
from rq import Queue
from rq.job import Job
from sqlalchemy import func, select

from portal.jobs import QUEUES, load_all
from portal.jobs.registry import PERIODIC_JOBS
from portal.jobs.scheduler import PERIODIC_QUEUE, AppWorker, build_cron, run_periodic
from portal.models import DomainEvent, Part, ReorderRequest, WorkOrder, WorkOrderHistory
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.schemas.parts import PartCreate
from portal.schemas.work_orders import WorkOrderCreate, WorkOrderUpdate
from portal.services.inventory import parts as parts_service
from portal.services.work_orders import lifecycle as wo_service

ROOT = Path(__file__).resolve().parent.parent


def count_events(name: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(DomainEvent).where(DomainEvent.event == name))


def run_job(runner, name: str, now=None) -> dict:
    args = ["jobs", "run", name] + (["--now", now.isoformat()] if now else [])
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["result"]


def test_jobs_list_and_unknown_job(runner):
    listed = runner.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0
    for name in ("outbox-sweep", "low-stock", "escalate"):
        assert name in listed.output
    unknown = runner.invoke(args=["jobs", "run", "defrost-freezer"])
    assert unknown.exit_code == 2 and "no periodic job named" in unknown.output


def overdue_order(users, priority="high", assignee="technician", due=timedelta(days=-1), title="Boiler trip"):
    manager = users.actor("north", "manager")
    body = {"title": title, "priority": priority, "dueDate": (utcnow() + due).isoformat()}
    if assignee:
        body["assignedTo"] = users["north"][assignee].id
    return wo_service.create_work_order(manager, WorkOrderCreate.model_validate(body)).id


def test_escalate_reassigns_to_the_manager_once_then_raises_priority(runner, users):
    wo_id = overdue_order(users)
    manager_id = users["north"]["manager"].id
    technician_id = users["north"]["technician"].id
    overdue_order(users, priority="medium", title="Not urgent")
    overdue_order(users, due=timedelta(days=2), title="Not due yet")

    assert run_job(runner, "escalate") == {"overdue": 1, "escalated": 1, "failed": 0}
    wo = db.session.get(WorkOrder, wo_id)
    assert (wo.assigned_to, wo.priority, wo.status) == (manager_id, "high", "assigned")
    history = db.session.scalars(select(WorkOrderHistory).where(
        WorkOrderHistory.work_order_id == wo_id, WorkOrderHistory.action == "escalated")).all()
    assert len(history) == 1
    assert history[0].changes["assignedTo"] == {"from": technician_id, "to": manager_id}
    assert "reassigned to the manager" in history[0].changes["escalation"]["reason"]
    event = db.session.scalars(select(DomainEvent).where(DomainEvent.event == "work_order.escalated")).one()
    assert event.payload["newAssignee"] == manager_id and event.payload["previousAssignee"] == technician_id
    assert event.payload["reason"] == history[0].changes["escalation"]["reason"]

    # The same escalation is not repeated on the next run.
    assert run_job(runner, "escalate") == {"overdue": 1, "escalated": 0, "failed": 0}
    assert count_events("work_order.escalated") == 1

    # A new due date that passes again is a new escalation; the manager has it: priority goes up.
    wo_service.update_work_order(users.actor("north", "manager"), wo_id, WorkOrderUpdate.model_validate(
        {"dueDate": (utcnow() - timedelta(hours=1)).isoformat()}))
    assert run_job(runner, "escalate") == {"overdue": 1, "escalated": 1, "failed": 0}
    db.session.rollback()
    wo = db.session.get(WorkOrder, wo_id)
    assert (wo.assigned_to, wo.priority) == (manager_id, "critical")
    assert count_events("work_order.escalated") == 2


def test_escalate_with_a_simulated_date_and_closed_orders(runner, users):
    wo_id = overdue_order(users, priority="critical", assignee=None, due=timedelta(days=1))
    done_id = overdue_order(users, priority="critical", title="Done already")
    wo_service.update_work_order(users.actor("north", "manager"), done_id,
                                 WorkOrderUpdate.model_validate({"status": "completed"}))
    assert run_job(runner, "escalate") == {"overdue": 0, "escalated": 0, "failed": 0}
    assert run_job(runner, "escalate", now=utcnow() + timedelta(days=3)) == {"overdue": 1, "escalated": 1, "failed": 0}
    db.session.rollback()
    wo = db.session.get(WorkOrder, wo_id)
    assert wo.assigned_to == users["north"]["manager"].id and wo.status == "assigned"


def test_low_stock_job_announces_parts_created_low_once(runner, users):
    manager = users.actor("north", "manager")
    low = parts_service.create_part(manager, PartCreate.model_validate(
        {"partNumber": "BRG-6204", "stockLevel": 2, "reorderPoint": 5, "reorderQuantity": 20, "autoReorder": True}))
    parts_service.create_part(manager, PartCreate.model_validate(
        {"partNumber": "FLT-10", "stockLevel": 50, "reorderPoint": 5}))
    low_id = low.id
    assert count_events("inventory.low_stock") == 0
    assert run_job(runner, "low-stock") == {"checked": 1, "alerted": 1, "failed": 0}
    assert count_events("inventory.low_stock") == 1 and count_events("inventory.reorder") == 1
    [request] = db.session.scalars(select(ReorderRequest)).all()
    assert (request.part_id, request.quantity) == (low_id, 20)
    assert run_job(runner, "low-stock") == {"checked": 0, "alerted": 0, "failed": 0}
    assert count_events("inventory.low_stock") == 1
    assert db.session.get(Part, low_id).low_stock_alerted is True


def test_cron_scheduler_enqueues_every_periodic_job_and_a_worker_runs_them(app, users):
    load_all()
    cron = build_cron(get_redis())
    registered = {job.args[0]: job.interval for job in cron.get_jobs()}
    assert registered == {name: job.interval for name, job in PERIODIC_JOBS.items()}
    assert {"outbox-sweep", "low-stock", "escalate"} <= set(registered)
    parts_service.create_part(users.actor("north", "manager"), PartCreate.model_validate(
        {"partNumber": "V-BELT", "stockLevel": 0, "reorderPoint": 1}))

    enqueued = cron.enqueue_jobs()  # every interval job is due on the first pass
    assert len(enqueued) == len(PERIODIC_JOBS)
    queue = Queue(PERIODIC_QUEUE, connection=get_redis())
    job_ids = list(queue.job_ids)
    assert len(job_ids) == len(PERIODIC_JOBS)
    db.session.rollback()
    AppWorker(QUEUES, connection=get_redis()).work(burst=True, logging_level="WARNING")
    results = {job.args[0]: job.return_value() for job in Job.fetch_many(job_ids, connection=get_redis())}
    assert results["low-stock"] == {"checked": 1, "alerted": 1, "failed": 0}
    assert results["outbox-sweep"] == {"due": 0, "enqueued": 0}
    assert count_events("inventory.low_stock") == 1

    # A second cron scheduler enqueueing the same job within its interval does not run it twice.
    assert run_periodic("low-stock") == {"skipped": True}


def test_worker_script_runs_the_periodic_jobs_on_rq_cron(app, users):
    """`python worker.py` as `make run` starts it: the cron scheduler enqueues low-stock, the worker runs it."""
    parts_service.create_part(users.actor("north", "manager"), PartCreate.model_validate(
        {"partNumber": "GASKET-9", "stockLevel": 1, "reorderPoint": 3}))
    db.session.rollback()
    env = dict(os.environ, PYTHONPATH=str(ROOT), DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=TEST_CONFIG.get("REDIS_URL") or "unix://" + get_redis().connection_pool.connection_kwargs["path"])
    worker = subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while count_events("inventory.low_stock") == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.terminate()
        _, stderr = worker.communicate(timeout=60)
    assert count_events("inventory.low_stock") == 1, stderr.decode()[-3000:]
    assert worker.returncode == 0, stderr.decode()[-3000:]
    assert b"cron scheduler started" in stderr and b"cron scheduler stopped (exit code 0)" in stderr
