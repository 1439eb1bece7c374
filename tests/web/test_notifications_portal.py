"""The portal's notifications: the bell (count and live check), the list, marking read, the
settings page, and the admins' mail outbox."""
from __future__ import annotations

import factories
import pytest
from sqlalchemy import select

from portal.models import Notification
from portal.platform.extensions import db
from web.conftest import Tags, count_queries, csrf_from

HX = {"HX-Request": "true"}


def assign(users, title: str = "Boiler trip", who: str = "technician"):
    return factories.work_order(users.actor("north", "manager"), title=title, assignedTo=users["north"][who].id)


def bell_count(html: str) -> str | None:
    tags = Tags(html)
    bell = tags.find("a", id="bell")
    assert bell is not None, "no bell in the header"
    start = html.index('id="bell"')
    end = html.index("</a>", start)
    part = html[start:end]
    if 'class="bell-count"' not in part:
        return None
    return part.split('class="bell-count">', 1)[1].split("<", 1)[0]


def test_the_bell_counts_unread_and_its_live_check_is_cheap(client, users, portal_login):
    portal_login(users["north"]["technician"])
    page = client.get("/").get_data(as_text=True)
    assert bell_count(page) is None and "Notifications" in page
    version = Tags(page).find("a", id="bell")["data-bell-version"]
    assert client.get(f"/notifications/bell?since={version}").status_code == 204
    assert count_queries(client, f"/notifications/bell?since={version}", 204) <= 2  # the login's own reads

    assign(users)
    changed = client.get(f"/notifications/bell?since={version}", headers=HX)
    assert changed.status_code == 200 and "<html" not in changed.get_data(as_text=True)
    assert bell_count(changed.get_data(as_text=True)) == "1"
    assert Tags(changed.get_data(as_text=True)).find("a", id="bell")["data-bell-version"] != version
    assert bell_count(client.get("/").get_data(as_text=True)) == "1"


def test_the_list_marks_read_one_by_one_or_all(client, users, portal_login):
    first, second = assign(users, "First"), assign(users, "Second")
    portal_login(users["north"]["technician"])
    page = client.get("/notifications")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "HX-Request" in page.headers["Vary"]
    assert html.index(f"{second.fo_number} Second") < html.index(f"{first.fo_number} First")  # newest first
    assert f'href="/work-orders/{first.id}"' in html
    token = csrf_from(html)
    note = db.session.scalars(select(Notification).where(Notification.entity_id == first.id)).one()

    fragment = client.get("/notifications", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="results"' in fragment
    assert "<html" in client.get("/notifications", headers={**HX, "HX-History-Restore-Request": "true"}).get_data(as_text=True)

    row = client.post(f"/notifications/{note.id}/read", data={"csrf_token": token}, headers=HX)
    body = row.get_data(as_text=True)
    assert row.status_code == 200 and f'id="n-{note.id}"' in body and "Mark read" not in body
    assert 'hx-swap-oob="true"' in body and bell_count(body) == "1"  # the bell follows at once
    unread = client.get("/notifications?unread=true").get_data(as_text=True)
    assert "Second" in unread and f"{first.fo_number} First" not in unread

    # Someone else's notification: 404, and nothing changes.
    client.post("/logout", data={"csrf_token": token})
    portal_login(users["north"]["technician2"])
    other = client.get("/notifications").get_data(as_text=True)
    assert client.post(f"/notifications/{note.id}/read", data={"csrf_token": csrf_from(other)}).status_code == 404

    portal_login(users["north"]["technician"])
    done = client.post("/notifications/read-all", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    assert done.status_code == 303 and done.headers["Location"] == "/notifications"
    assert "1 notification marked read." in client.get("/notifications").get_data(as_text=True)
    assert bell_count(client.get("/").get_data(as_text=True)) is None


def test_the_list_is_live(client, users, portal_login):
    portal_login(users["north"]["technician"])
    html = client.get("/notifications").get_data(as_text=True)
    live = Tags(html).find("div", id="live")
    assert live["data-live-url"] == "/notifications/changes" and live["data-live-target"] == "#results"
    assert client.get(f"/notifications/changes?since={live['data-live-version']}").status_code == 204
    assign(users, "Pump noise")
    fresh = client.get(f"/notifications/changes?since={live['data-live-version']}", headers=HX)
    assert fresh.status_code == 200 and "Pump noise" in fresh.get_data(as_text=True)
    assert fresh.headers["X-Live-Version"] != live["data-live-version"]


def test_settings_page_saves_each_kind(client, users, portal_login):
    portal_login(users["north"]["technician"])
    page = client.get("/notifications/settings")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "checked" in Tags(html).find("input", type="radio", name="assigned", value="email")
    token = csrf_from(html)
    bad = client.post("/notifications/settings", data={"csrf_token": token, "assigned": "pigeon"})
    assert bad.status_code == 422 and "Choose one of the ways offered" in bad.get_data(as_text=True)
    saved = client.post("/notifications/settings", data={"csrf_token": token, "assigned": "off", "stock_low": "email"})
    assert saved.status_code == 303
    html = client.get("/notifications/settings").get_data(as_text=True)
    assert "checked" in Tags(html).find("input", type="radio", name="assigned", value="off")
    assign(users)
    assert db.session.scalars(select(Notification)).all() == []


@pytest.mark.parametrize("role", ["manager", "technician"])
def test_the_mail_outbox_is_for_admins(client, users, portal_login, role):
    portal_login(users["north"][role])
    assert client.get("/admin/mail").status_code == 403


def test_the_mail_outbox_shows_kept_mails(app, client, users, portal_login):
    app.config["SMTP_URL"] = ""
    wo = assign(users, "Compressor leak")
    factories.work_order(users.actor("south", "manager"), title="South only", assignedTo=users["south"]["technician"].id)
    portal_login(users["north"]["admin"])
    html = client.get("/admin/mail").get_data(as_text=True)
    assert "No SMTP_URL is set" in html
    assert users["north"]["technician"].email in html and f"Assigned to you: {wo.fo_number} Compressor leak" in html
    assert f"/work-orders/{wo.id}" in html and "South only" not in html
