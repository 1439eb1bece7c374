"""portal/wiring.py: the rules are connected by create_app only, and never on SQLAlchemy's Session class;
portal/error_handlers.py: the error handlers of both faces, registered by create_app."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from portal import error_handlers
from portal.platform import cache, live
from portal.platform.extensions import db
from portal.platform.signals import signals
from portal.services.common.errors import DomainError
from portal.wiring import wire

ROOT = os.path.dirname(os.path.dirname(__file__))

# Every session listener wire() attaches.
SESSION_LISTENERS = [
    ("before_flush", cache.collect_flushed), ("do_orm_execute", cache.collect_bulk),
    ("after_commit", cache.bump_committed), ("after_rollback", cache.forget_rolled_back),
    ("before_flush", live.collect), ("after_commit", live.bump_committed),
    ("after_rollback", live.forget_rolled_back),
]


@pytest.mark.parametrize("name, listener", SESSION_LISTENERS)
def test_listeners_are_on_the_app_session_not_on_the_session_class(app, name, listener):
    assert event.contains(db.session, name, listener)
    assert not event.contains(Session, name, listener)
    # The app session's listeners apply to the Session class of its own sessionmaker.
    assert db.session.session_factory.class_ is not Session


def test_wiring_again_adds_nothing(app):
    before = {name: list(signal.receivers_for(signal.ANY)) for name, signal in signals.items()}
    wire(app)
    wire(app)
    assert {name: list(signal.receivers_for(signal.ANY)) for name, signal in signals.items()} == before
    assert all(len(receivers) == len(set(receivers)) for receivers in before.values())
    # A listener attached twice would bump twice per commit: one removal leaves none.
    event.remove(db.session, "after_commit", live.bump_committed)
    try:
        assert not event.contains(db.session, "after_commit", live.bump_committed)
    finally:
        wire(app)
    assert event.contains(db.session, "after_commit", live.bump_committed)


def test_importing_any_module_connects_no_rule(tmp_path):
    """Every module of services, platform, models and jobs imported, no create_app: no receiver on
    any signal, no listener on the app session or on SQLAlchemy's Session class."""
    listeners = [(name, fn.__module__.rsplit(".", 1)[1], fn.__name__) for name, fn in SESSION_LISTENERS]
    code = (
        "import importlib, pkgutil\n"
        "import portal.jobs, portal.models, portal.platform, portal.services\n"
        "imported = 0\n"
        "for package in (portal.services, portal.platform, portal.models, portal.jobs):\n"
        "    for info in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "        imported += 1\n"
        "from sqlalchemy import event\n"
        "from sqlalchemy.orm import Session\n"
        "from portal.platform import cache, live\n"
        "from portal.platform.extensions import db\n"
        "from portal.platform.signals import signals\n"
        "print(imported, sorted(signals))\n"
        "print('receivers', [name for name, signal in signals.items() if signal.receivers])\n"
        f"listeners = {listeners!r}\n"
        "modules = {'cache': cache, 'live': live}\n"
        "print('listeners', [(target, name, module, fn) for target in (Session, db.session)\n"
        "                    for name, module, fn in listeners\n"
        "                    if event.contains(target, name, getattr(modules[module], fn))])\n"
    )
    env = {**os.environ, "MAINTAINPRO_INSTANCE": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    imported, declared = lines[0].split(" ", 1)
    assert int(imported) > 50
    assert declared == "['committed', 'event.recorded', 'warehouse.created', 'work_order.completed', 'work_order.completing']"
    assert lines[1:] == ["receivers []", "listeners []"]


def test_error_handlers_of_both_faces_come_from_one_module(app, client):
    handlers = {exc: handler for by_code in app.error_handler_spec[None].values() for exc, handler in by_code.items()}
    # (flask-jwt-extended registers handlers of its own errors; they answer through the loaders
    # register_error_handlers sets, checked by tests/test_auth.py.)
    assert {handlers[exc].__module__ for exc in (DomainError, HTTPException, Exception)} == {"portal.error_handlers"}
    assert {handler.__module__ for handler in handlers.values()} == {"portal.error_handlers", "flask_jwt_extended.jwt_manager"}
    # The same handler answers each face in its own language.
    api, page = client.get("/api/no-such-thing"), client.get("/no-such-thing")
    assert (api.status_code, api.json) == (404, {"message": api.json["message"], "errors": []})
    assert page.status_code == 404 and page.mimetype == "text/html" and b"Not found" in page.data
    assert handlers[HTTPException] is error_handlers.http_error
