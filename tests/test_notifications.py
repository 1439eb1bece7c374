"""Notifications end to end: rows written in the event's transaction, mails sent by real RQ workers
to a real SMTP server on 127.0.0.1 (aiosmtpd), never twice; preferences; the daily digest; the API."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factories
import pytest
from smtp_server import SmtpServer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.jobs import QUEUES
from portal.jobs import notifications as notification_jobs
from portal.jobs.scheduler import AppWorker
from portal.models import MailMessage, Notification, Warehouse
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.schemas.attachments import CommentCreate
from portal.schemas.notifications import PreferencesUpdate
from portal.schemas.warehouse import ProblemReportCreate, WarehouseUpdate
from portal.schemas.work_orders import WorkOrderUpdate
from portal.services.identity import warehouses as warehouse_service
from portal.services.inventory import parts as parts_service
from portal.services.notifications import digest, mail, preferences
from portal.services.work_orders import comments, problem_reports
from portal.services.work_orders import lifecycle as wo_service


@pytest.fixture
def smtp(app):
    with SmtpServer() as server:
        app.config["SMTP_URL"] = server.url
        app.config["MAIL_RETRY_DELAYS"] = "0,0"
        yield server


def run_worker() -> None:
    """A real RQ worker (a forked work horse per job) until the queues are empty."""
    db.session.rollback()
    AppWorker(QUEUES, connection=get_redis()).work(burst=True, logging_level="WARNING")
    db.session.rollback()


def notes_of(user) -> list[Notification]:
    db.session.rollback()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at, Notification.id)))


def mails() -> list[MailMessage]:
    db.session.rollback()
    return list(db.session.scalars(select(MailMessage).order_by(MailMessage.created_at, MailMessage.id)))


def choose(users, role: str, **channels: str) -> None:
    preferences.update_preferences(users.actor("north", role), PreferencesUpdate.model_validate(
        {"preferences": [{"kind": kind, "channel": channel} for kind, channel in channels.items()]}))


def test_an_assignment_is_mailed_once_by_a_worker_through_a_real_smtp_server(app, users, smtp):
    manager, tech = users.actor("north", "manager"), users["north"]["technician"]
    wo = factories.work_order(manager, title="Boiler trip", description="Burner lockout", assignedTo=tech.id)

    [note] = notes_of(tech)
    assert (note.kind, note.title, note.detail, note.channel) == (
        "assigned", f"Assigned to you: {wo.fo_number} Boiler trip", "Burner lockout", "email")
    assert notes_of(users["north"]["manager"]) == []  # nobody is told of what they did
    [queued] = mails()
    assert (queued.state, queued.to_address, queued.user_id) == ("pending", tech.email, tech.id)
    assert smtp.messages == []  # nothing is sent in the request

    run_worker()
    [(recipients, message)] = smtp.wait_for(1)
    assert recipients == [tech.email]
    assert message["Subject"] == f"Assigned to you: {wo.fo_number} Boiler trip"
    assert message["From"] == app.config["MAIL_FROM"]
    assert f"/work-orders/{wo.id}" in message.get_payload() and "Burner lockout" in message.get_payload()
    [sent] = mails()
    assert (sent.state, sent.attempts, sent.sent_at is not None) == ("sent", 1, True)

    # The job again, a second copy on the queue, the sweep: nothing more is sent.
    assert notification_jobs.send_mail(sent.id)["sent"] is False
    mail.enqueue([sent.id])
    run_worker()
    assert mail.sweep() == {"due": 0, "enqueued": 0}
    assert len(smtp.messages) == 1
    # And the same mail cannot even be written twice: one per event, recipient and channel.
    with pytest.raises(IntegrityError), unit_of_work() as s:
        s.add(MailMessage(warehouse_id=sent.warehouse_id, dedupe_key=sent.dedupe_key, kind="assigned",
                          to_address=tech.email, subject="again", body="again"))


def test_a_refusing_server_is_tried_again_and_a_worker_that_died_mid_send_never_resends(app, users, smtp):
    manager, tech = users.actor("north", "manager"), users["north"]["technician"]
    factories.work_order(manager, assignedTo=tech.id)
    smtp.refuse = True
    run_worker()
    [waiting] = mails()
    assert (waiting.state, waiting.attempts) == ("pending", 1) and "451" in waiting.last_error
    smtp.refuse = False
    assert mail.sweep() == {"due": 1, "enqueued": 1}
    run_worker()
    assert [m.state for m in mails()] == ["sent"] and len(smtp.messages) == 1

    # A worker claims the next mail and dies before it records anything: its lease runs out, the
    # sweep queues it again, and it is failed, not sent (the server may have taken it already).
    factories.work_order(manager, assignedTo=tech.id, title="Second order")
    second = mails()[1]
    assert isinstance(mail.claim(second.id, utcnow()), mail.Claimed)
    with unit_of_work() as s:
        s.execute(update(MailMessage).where(MailMessage.id == second.id)
                  .values(claimed_until=utcnow() - timedelta(seconds=1)))
    get_redis().delete(f"rq:job:mail-{second.id}")
    assert mail.sweep()["enqueued"] == 1
    run_worker()
    assert (mails()[1].state, mails()[1].last_error) == ("failed", mail.UNFINISHED)
    assert len(smtp.messages) == 1


def test_each_person_chooses_how_per_kind(app, users, smtp):
    manager = users.actor("north", "manager")
    tech, requester = users["north"]["technician"], users["north"]["requester"]
    choose(users, "technician", assigned="off", commented="email")
    wo = factories.work_order(users.actor("north", "requester"), title="Door sticks")
    wo_service.update_work_order(manager, wo.id, WorkOrderUpdate(assignedTo=tech.id))
    assert notes_of(tech) == [] and mails() == []  # assignments: off

    comments.add_comment(manager, wo.id, CommentCreate(body="Parts come on Monday"))
    [commented] = notes_of(tech)
    assert (commented.kind, commented.title, commented.detail) == (
        "commented", f"New comment on {wo.fo_number} Door sticks", "Parts come on Monday")
    [requester_note] = notes_of(requester)  # the requester: the default, the portal only
    assert (requester_note.kind, requester_note.channel) == ("commented", "portal")
    [comment_mail] = mails()
    assert comment_mail.to_address == tech.email

    choose(users, "technician", assigned="portal")
    other = factories.work_order(manager, assignedTo=tech.id)
    assert [n.entity_id for n in notes_of(tech) if n.kind == "assigned"] == [other.id]
    assert len(mails()) == 1  # portal only: no mail

    # The technician's own comment tells the requester, never the technician.
    comments.add_comment(users.actor("north", "technician"), wo.id, CommentCreate(body="Done"))
    assert len(notes_of(tech)) == 2 and len(notes_of(requester)) == 2

    run_worker()
    assert [r for r, _ in smtp.wait_for(1)] == [[tech.email]]


def test_managers_hear_of_problems_and_parts_and_the_reporter_of_the_fix(app, users, smtp):
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(problemReportsEnabled=True))
    manager_user, tech = users["north"]["manager"], users["north"]["technician"]
    pump = factories.equipment(users.actor("north", "manager"), assetTag="PUMP-7")
    report = problem_reports.submit_report(pump.report_token, ProblemReportCreate(
        description="Leaking seal", reporterName="Alex", reporterEmail="alex@example.org"))
    [reported] = notes_of(manager_user)
    assert (reported.kind, reported.title, reported.detail) == (
        "problem_reported", f"Problem reported: {report.work_order.fo_number} PUMP-7: Leaking seal",
        "Reported by Alex. Leaking seal")
    assert notes_of(users["north"]["admin"]) == [] and notes_of(users["south"]["manager"]) == []

    wo_id = report.work_order.id
    wo_service.update_work_order(users.actor("north", "manager"), wo_id, WorkOrderUpdate(assignedTo=tech.id))
    part = factories.part(users.actor("north", "manager"), partNumber="SEAL-12")
    from portal.schemas.parts import PartRequestCreate
    from portal.services.inventory import requests as part_requests
    part_requests.request_part(users.actor("north", "technician"), wo_id,
                               PartRequestCreate.model_validate({"partId": part.id, "quantity": 2}))
    assert [n.title for n in notes_of(manager_user)][-1] == f"Part requested for {report.work_order.fo_number}: 2 × SEAL-12"

    wo_service.update_work_order(users.actor("north", "technician"), wo_id, WorkOrderUpdate(status="in_progress"))
    wo_service.update_work_order(users.actor("north", "technician"), wo_id, WorkOrderUpdate(status="completed"))
    run_worker()
    to_reporter = [m for r, m in smtp.messages if r == ["alex@example.org"]]
    assert len(to_reporter) == 1 and to_reporter[0]["Subject"] == "Fixed: PUMP-7: Leaking seal"
    assert report.work_order.fo_number in to_reporter[0].get_payload()
    # The manager's "problem reported" mail (its default: e-mail) went too; "part requested" is portal only.
    assert [m["Subject"] for r, m in smtp.messages if r == [manager_user.email]] == [reported.title]


def test_an_inbox_request_is_told_once_as_the_request(app, users):
    """Through the inbox, managers hear of the waiting request (linking to the inbox); the work order
    an admin makes by approving it tells them nothing more."""
    from portal.schemas.requests import RequestApprove
    from portal.services.notifications.rules import link
    from portal.services.work_orders import requests as inbox

    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(
        problemReportsEnabled=True, requestRouting="inbox"))
    manager_user = users["north"]["manager"]
    pump = factories.equipment(users.actor("north", "manager"), assetTag="PUMP-8")
    report = problem_reports.submit_report(pump.report_token, ProblemReportCreate(
        description="Grinding at start-up", reporterName="Kim"))
    [waiting] = notes_of(manager_user)
    assert (waiting.kind, waiting.title, waiting.detail) == (
        "problem_reported", "Request waiting: PUMP-8: Grinding at start-up", "From Kim. Grinding at start-up")
    assert link(waiting.entity, waiting.entity_id) == "/requests"
    inbox.approve(users.actor("north", "admin"), report.request.id, RequestApprove())
    assert notes_of(manager_user) == [waiting]


def test_overdue_and_pm_generated_reuse_the_periodic_checks(app, users):
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    wo = factories.work_order(manager, priority="high", assignedTo=tech.id,
                              dueDate=(utcnow() - timedelta(hours=3)).isoformat())
    from portal.services.work_orders import escalation
    assert escalation.escalate_overdue()["escalated"] == 1
    overdue = {n.user_id: n for n in db.session.scalars(select(Notification).where(Notification.kind == "overdue"))}
    assert set(overdue) == {tech.id, users["north"]["manager"].id}
    assert overdue[tech.id].title == f"Overdue: {wo.fo_number} {wo.title}"
    assert "reassigned to the manager" in overdue[tech.id].detail

    # A PM template's work order: its assignee hears "assigned", the managers "PM generated".
    from portal.schemas.pm import PMTemplateCreate
    from portal.services.pm import scheduler, templates
    pump = factories.equipment(manager, assetTag="PUMP-9")
    templates.create_template(manager, PMTemplateCreate.model_validate({
        "name": "Pump monthly", "frequencyType": "calendar", "frequency": 30, "leadDays": 30,
        "equipmentIds": [pump.id], "assignedTo": tech.id}))
    assert scheduler.schedule_due()["created"] == 1
    [pm_note] = db.session.scalars(select(Notification).where(Notification.kind == "pm_generated")).all()
    assert pm_note.user_id == users["north"]["manager"].id and pm_note.detail == "From the PM template Pump monthly"
    assert [n.kind for n in notes_of(tech)][-1] == "assigned"


def test_the_daily_digest_once_a_day_at_the_plants_hour(app, users, smtp):
    manager_user = users["north"]["manager"]
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(timezone="Europe/Paris"))
    factories.part(users.actor("north", "admin"), partNumber="BRG-1", stockLevel=1, reorderPoint=5)
    parts_service.alert_unannounced_low_stock()  # the low-stock job: the system announces it
    [low] = notes_of(manager_user)
    assert (low.kind, low.channel, low.title) == ("stock_low", "digest", "Stock low: BRG-1 (1 left)")
    assert mails() == []  # digest: no mail at once

    day = datetime(2026, 12, 7, tzinfo=UTC)
    early, due = day.replace(hour=5), day.replace(hour=6, minute=30)  # 6:00 and 7:30 in Paris
    assert notification_jobs.mail_digest(early) == {"people": 0, "written": 0, "failed": 0}
    assert notification_jobs.mail_digest(due) == {"people": 1, "written": 1, "failed": 0}
    assert notification_jobs.mail_digest(due) == {"people": 0, "written": 0, "failed": 0}
    [digest_mail] = mails()
    assert digest_mail.dedupe_key == digest.digest_key(manager_user.id, "2026-12-07")
    assert digest_mail.subject == "MaintainPro digest: 1 notification"

    # Another low part after today's digest waits for tomorrow's.
    factories.part(users.actor("north", "admin"), partNumber="BRG-2", stockLevel=0, reorderPoint=5)
    parts_service.alert_unannounced_low_stock()
    assert notification_jobs.mail_digest(due + timedelta(hours=2)) == {"people": 1, "written": 0, "failed": 0}
    assert notification_jobs.mail_digest(due + timedelta(days=1)) == {"people": 1, "written": 1, "failed": 0}
    run_worker()
    bodies = [m.get_payload() for r, m in smtp.wait_for(2) if r == [manager_user.email]]
    assert len(bodies) == 2 and "Stock low: BRG-1" in bodies[0] and "Stock low: BRG-2" in bodies[1]
    assert "BRG-2" not in bodies[0]
    assert db.session.get(Warehouse, manager_user.warehouse_id).timezone == "Europe/Paris"


def test_without_smtp_url_mails_are_kept_for_the_admin(app, users):
    app.config["SMTP_URL"] = ""
    factories.work_order(users.actor("north", "manager"), assignedTo=users["north"]["technician"].id)
    run_worker()
    [kept] = mails()
    assert (kept.state, kept.sent_at) == ("kept", None)


# --- the API --------------------------------------------------------------------------------------
def test_api_lists_reads_and_sets_preferences_of_the_caller_only(client, auth, users):
    tech = users["north"]["technician"]
    first = factories.work_order(users.actor("north", "manager"), assignedTo=tech.id, title="First")
    factories.work_order(users.actor("north", "manager"), assignedTo=tech.id, title="Second")
    h = auth("north", "technician")
    resp = client.get("/api/notifications", headers=h)
    assert resp.status_code == 200
    assert (resp.headers["X-Total-Count"], resp.headers["X-Unread-Count"]) == ("2", "2")
    second_note, first_note = resp.json
    assert set(first_note) == {"id", "kind", "title", "detail", "entity", "entityId", "link", "eventId",
                               "createdAt", "readAt"}
    assert (first_note["kind"], first_note["link"], first_note["readAt"]) == (
        "assigned", f"/work-orders/{first.id}", None)

    # Another person's notification is not found, in the same warehouse or another.
    for who in (("north", "technician2"), ("north", "admin"), ("south", "technician")):
        assert client.post(f"/api/notifications/{first_note['id']}/read", headers=auth(*who)).status_code == 404
    read = client.post(f"/api/notifications/{first_note['id']}/read", headers=h)
    assert read.status_code == 200 and read.json["readAt"] is not None
    unread = client.get("/api/notifications?unread=true", headers=h)
    assert [n["id"] for n in unread.json] == [second_note["id"]] and unread.headers["X-Unread-Count"] == "1"
    assert client.post("/api/notifications/read-all", headers=h).json == {"marked": 1}
    assert client.get("/api/notifications", headers=auth("north", "technician2")).json == []

    prefs = client.get("/api/me/notification-preferences", headers=h).json["preferences"]
    assert [(p["kind"], p["channel"]) for p in prefs] == [
        ("assigned", "email"), ("commented", "portal"), ("overdue", "email"), ("problem_reported", "email"),
        ("part_requested", "portal"), ("stock_low", "digest"), ("pm_generated", "digest")]
    bad = client.put("/api/me/notification-preferences", headers=h, json={"preferences": [
        {"kind": "assigned", "channel": "pigeon"}]})
    assert bad.status_code == 400 and bad.json["errors"][0]["field"] == "preferences[0].channel"
    twice = client.put("/api/me/notification-preferences", headers=h, json={"preferences": [
        {"kind": "assigned", "channel": "off"}, {"kind": "assigned", "channel": "portal"}]})
    assert twice.status_code == 400 and twice.json["errors"] == [
        {"field": "preferences[1].kind", "message": "assigned is given twice"}]
    ok = client.put("/api/me/notification-preferences", headers=h, json={"preferences": [
        {"kind": "assigned", "channel": "off"}, {"kind": "stock_low", "channel": "email"}]})
    assert ok.status_code == 200
    assert {p["kind"]: p["channel"] for p in ok.json["preferences"]}["assigned"] == "off"
    # Another person's settings are their own.
    others = client.get("/api/me/notification-preferences", headers=auth("north", "technician2")).json
    assert {p["kind"]: p["channel"] for p in others["preferences"]}["assigned"] == "email"


def test_a_bulk_change_reads_the_people_it_tells_once_and_the_next_reads_them_again(app, users):
    """Four work orders assigned in one bulk change: four events, each telling the technician, who
    chose e-mail. Four notifications and four mails, from one read of the person and one of their
    choices (services/notifications/outbox.py, _people). A choice changed afterwards counts from the
    next transaction."""
    from sqlalchemy import event

    manager, tech = users.actor("north", "manager"), users["north"]["technician"]
    choose(users, "technician", assigned="email")
    ids = [factories.work_order(manager, title=f"Check guard {n}").id for n in range(4)]
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        wo_service.bulk_update(manager, ids, {"assigned_to": tech.id})
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert sorted(n.entity_id for n in notes_of(tech)) == sorted(ids)
    assert len([m for m in mails() if m.to_address == tech.email]) == 4
    assert sum("FROM notification_preferences" in s for s in seen) == 1
    assert sum(s.startswith("SELECT users.id, users.email \nFROM users") for s in seen) == 1  # the outbox's

    choose(users, "technician", assigned="off")
    wo_service.bulk_update(manager, ids, {"assigned_to": None})
    wo_service.bulk_update(manager, ids, {"assigned_to": tech.id})
    assert len(notes_of(tech)) == 4  # told of none of the second assignment
