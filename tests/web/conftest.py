"""Portal fixtures: log in through the form (AuthActions, spends a TOTP code) or directly (no code)."""
from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import factories
import pyotp
import pytest
from conftest import PASSWORD
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import event

from portal.models import AuthSession
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.web.session import LOGIN_KEY


class PortalClient(FlaskClient):
    """The suite's app fixture keeps one app context open, so `g` would outlive a request; in
    production each request has its own. Forget what Flask-Login and Flask-WTF cache there."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        g.pop("csrf_token", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = PortalClient
    return app.test_client()


def count_queries(client, path: str, status: int = 200, **kwargs) -> int:
    """SQL statements run by one GET of `path` (asserted `status`, 200 unless told): list pages must
    not grow per row; a live-update check answering 204 runs one. Counted on a second GET: the
    first keeps the header's counts in Redis (platform/header_counts.py), as any earlier page does."""
    client.get(path, **kwargs)
    statements: list[str] = []

    def listener(*args) -> None:
        if args[2] not in ("COMMIT", "BEGIN"):  # SQLite's snapshot moved on (database.reads_from_now)
            statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(path, **kwargs).status_code == status
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page carries no csrf-token meta"
    return match.group(1)


class AuthActions:
    """flaskr-style: log in through the real form, with the real CSRF token and a real TOTP code."""

    def __init__(self, client):
        self.client = client

    def token(self, path: str = "/login") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def login(self, email: str, password: str = PASSWORD, code: str | None = None, user=None):
        if code is None and user is not None:
            code = pyotp.TOTP(user.totp_secret).now()
        return self.client.post("/login", data={
            "csrf_token": self.token(), "email": email, "password": password, "code": code or ""})

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.token("/")})


@pytest.fixture
def auth_actions(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def portal_login(client):
    """portal_login(user) -> the AuthSession id now in the client's cookie (no TOTP code spent)."""

    def login(user) -> str:
        row = AuthSession(user_id=user.id, expires_at=utcnow() + timedelta(hours=1))
        db.session.add(row)
        db.session.commit()
        with client.session_transaction() as sess:
            sess["_user_id"] = row.id
            sess["_fresh"] = True
            sess[LOGIN_KEY] = row.id
        return row.id

    return login


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, to check hx-* wiring without regexes.
    Attribute names in find() are Python names: hx_post= is hx-post, class_= is class."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find_all(self, tag: str, **attrs: str) -> list[dict]:
        return [found for name, found in self.tags if name == tag
                and all(found.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())]

    def find(self, tag: str, **attrs: str) -> dict | None:
        return next(iter(self.find_all(tag, **attrs)), None)


@pytest.fixture
def job(client, users, portal_login):
    """North's technician logged in on a work order of theirs (in progress, a checklist of two), a
    part in stock (the steps' tests: test_own_change.py, test_step_answers.py)."""
    from portal.schemas.pm import ChecklistAdd
    from portal.services.work_orders import checklists as checklist_service

    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    wo = factories.work_order(manager, title="Seal leaking", assignedTo=tech.id)
    factories.move_to(users.actor("north", "technician"), wo.id, "in_progress")
    items = checklist_service.add_items(manager, wo.id, ChecklistAdd.model_validate(
        {"items": [{"description": "Guard refitted"}, {"description": "Area swept"}]}))
    part = factories.part(manager, partNumber="BRG-6205", description="Bearing", stockLevel=10)
    portal_login(tech)
    return {"id": wo.id, "items": [i.id for i in items], "part": part.id, "warehouse": wo.warehouse_id}
