"""Portal helpers: form_model, time display in the warehouse zone, explicit rule wiring."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field
from werkzeug.datastructures import MultiDict

from portal.schemas.work_orders import WorkOrderCreate
from portal.web.forms import form_model
from portal.web.timefmt import due_state, when, zone


class Tags(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    tags: list[str] = Field(default_factory=list)


def test_form_model_reads_aliases_names_lists_and_drops_csrf():
    form = MultiDict([("csrf_token", "x"), ("title", "Fix pump"), ("description", ""),
                      ("assignedTo", "u1"), ("due_date", "")])
    model = form_model(WorkOrderCreate, form)
    assert isinstance(model, WorkOrderCreate)
    assert model.title == "Fix pump" and model.description is None and model.assigned_to == "u1"
    model = form_model(WorkOrderCreate, MultiDict([("title", "x"), ("equipment_id", "e1")]))
    assert model.equipment_id == "e1"
    tags = form_model(Tags, MultiDict([("name", "n"), ("tags", "a"), ("tags", "b"), ("tags", "")]))
    assert tags.tags == ["a", "b"]


def test_form_model_returns_field_messages():
    errors = form_model(WorkOrderCreate, MultiDict([("title", ""), ("priority", "urgent")]))
    assert errors["title"] == "Enter a title"
    assert "priority" in errors


def test_times_in_the_warehouse_zone():
    now = datetime(2026, 1, 12, 21, 0, tzinfo=UTC)  # Monday 22:00 in Paris
    paris = zone("Europe/Paris")
    assert when(datetime(2026, 1, 12, 13, 30, tzinfo=UTC), paris, now) == "today 14:30"
    # 23:30 UTC is already tomorrow in Paris, still today in UTC.
    assert when(datetime(2026, 1, 12, 23, 30, tzinfo=UTC), paris, now) == "tomorrow 00:30"
    assert when(datetime(2026, 1, 12, 23, 30, tzinfo=UTC), zone("UTC"), now) == "today 23:30"
    assert when(datetime(2026, 1, 19, 7, 0, tzinfo=UTC), paris, now) == "Mon 19 Jan"
    assert due_state(datetime(2026, 1, 9, 10, 0, tzinfo=UTC), paris, now) == "3 days overdue"
    assert due_state(datetime(2026, 1, 13, 10, 0, tzinfo=UTC), paris, now) == ""
    assert zone("Not/AZone").key == "UTC"


def test_every_rule_is_wired_when_only_one_service_was_imported(tmp_path):
    """A fresh process that imported only services/work_orders/lifecycle.py still gets every rule from create_app."""
    code = (
        "from portal.services.work_orders import lifecycle\n"
        "from portal.platform.signals import signals\n"
        "assert signals and not any(signal.receivers for signal in signals.values())\n"
        "from portal import create_app\n"
        "create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://'})\n"
        "for name, signal in sorted(signals.items()):\n"
        "    print(name, [f'{r.__module__}.{r.__name__}' for r in signal.receivers_for(signal.ANY)])\n"
        "from sqlalchemy import event\n"
        "from portal.platform import cache, live\n"
        "from portal.platform.extensions import db\n"
        "print('session listeners', event.contains(db.session, 'after_commit', cache.bump_committed),\n"
        "      event.contains(db.session, 'after_commit', live.bump_committed))\n"
        # Alembic is imported when a migration runs, not by every web and worker process's start-up.
        "import sys; print('alembic loaded' if 'alembic' in sys.modules else 'no alembic')\n"
    )
    env = {**os.environ, "MAINTAINPRO_INSTANCE": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert out.returncode == 0, out.stderr
    # Each signal's receivers, in the order they run (portal/wiring.py).
    assert out.stdout.splitlines()[:-2] == [
        "committed ['portal.services.integrations.webhooks.enqueue_committed', "
        "'portal.services.notifications.outbox.enqueue_committed']",
        "event.recorded ['portal.services.integrations.webhooks.fan_out', "
        "'portal.services.notifications.outbox.fan_out']",
        "warehouse.created ['portal.services.work_orders.hold_reasons.warehouse_created', "
        "'portal.services.work_orders.failure_codes.warehouse_created']",
        "work_order.completed ['portal.services.assets.equipment.work_order_completed', "
        "'portal.services.pm.triggers.work_order_completed']",
        "work_order.completing ['portal.services.work_orders.checklists.required_items_done', "
        "'portal.services.work_orders.signoff.signature_given']",
    ]
    assert "session listeners True True" in out.stdout
    assert "no alembic" in out.stdout


def test_session_cookie_is_secure_in_production(monkeypatch):
    from portal.config import load_config

    monkeypatch.setenv("MAINTAINPRO_ENV", "production")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    config = load_config()
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    monkeypatch.setenv("MAINTAINPRO_ENV", "development")
    assert load_config()["SESSION_COOKIE_SECURE"] is False
