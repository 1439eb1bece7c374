"""Webhook bodies are printed exactly as JavaScript's JSON.stringify prints them, so receivers
verifying JSON.stringify(JSON.parse(body)) and receivers verifying the raw bytes both accept them."""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta

import pytest
from test_webhooks import HERE, SECRET, _loopback_allowed, endpoint_for, receiver, run_worker  # noqa: F401

from portal.models import WebhookDelivery
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.platform.js_json import js_number, stringify
from portal.schemas.work_orders import WorkOrderCreate, WorkOrderUpdate
from portal.services.work_orders import lifecycle as wo_service

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node (Node.js) is not installed: the JSON.stringify "
                                                     "checks need a JavaScript engine")
REPRINT = "process.stdout.write(JSON.stringify(JSON.parse(require('fs').readFileSync(0, 'utf8'))))"


def node_reprint(text: str) -> str:
    done = subprocess.run([NODE, "-e", REPRINT], input=text.encode(), capture_output=True, check=True)
    return done.stdout.decode()


NUMBERS = [0.0, -0.0, 1.0, -1.0, 1.5, 0.1, 0.1 + 0.2, 100.0, 123456789.125, 1e20, 1e21, 1.5e21, 2.5e-6, 1e-6,
           1e-7, 1.25e-7, 5e-324, 1.7976931348623157e308, 12.5, 2**53 - 1, 2**53 + 2, -(2**60), 0.000123, 3.0e15]


def test_numbers_print_as_javascript_prints_them():
    # Hand-checked against the ECMAScript Number::toString rules.
    assert [js_number(x) for x in (1.0, 1e21, 1e20, 1e-7, 1e-6, 1.5e-7, -0.0, 12.5, float("nan"))] == [
        "1", "1e+21", "100000000000000000000", "1e-7", "0.000001", "1.5e-7", "0", "12.5", "null"]


@needs_node
def test_stringify_is_a_fixed_point_of_node_reparse_and_reprint():
    value = {
        "title": "Überprüfung Pumpe – 泵 ✓ \"quoted\" back\\slash \n\t\x01\x7f \u2028 😀",
        "numbers": NUMBERS,
        "nested": {"b": [True, False, None, {"x": 1.0}], "a": "é"},
        "10": "integer-like keys come first in JavaScript", "2": "ascending", "02": "not an index",
        "lone": "\ud800",
    }
    ours = stringify(value)
    assert node_reprint(ours) == ours
    assert ours.startswith('{"2":"ascending","10":') and '"title":"Überprüfung Pumpe – 泵 ✓' in ours
    assert json.loads(ours)["numbers"][:4] == [0, 0, 1, -1]


@needs_node
def test_node_verifies_real_deliveries_raw_and_reparsed(app, users, receiver, tmp_path):  # noqa: F811
    """Non-ASCII titles and decimal values (a 1.0 h completion time, printed 1 as JavaScript does)."""
    endpoint_for(users, "north", receiver.url, events=["work_order.created", "work_order.completed"])
    manager = users.actor("north", "manager")
    start = utcnow() - timedelta(hours=2)
    wo = wo_service.create_work_order(
        manager, WorkOrderCreate.model_validate({"title": "Überprüfung Förderband – 泵 ✓", "description": "Öl 2,5 l"}),
        now=start)
    wo_service.update_work_order(manager, wo.id, WorkOrderUpdate.model_validate({"status": "completed"}),
                                 now=start + timedelta(hours=1))
    run_worker()
    got = receiver.wait_for(2)  # created and completed (updated is not subscribed)
    completed = [g for g in got if g.headers["X-MaintainPro-Event"] == "work_order.completed"]
    assert completed and b'"timeToCompleteHours":1,' in completed[0].body
    for request in got:
        assert "Überprüfung Förderband – 泵 ✓".encode() in request.body  # UTF-8, not \\u escapes
        body_file = tmp_path / "body.json"
        body_file.write_bytes(request.body)
        signature = request.headers["X-MaintainPro-Signature"]
        for mode in ([], ["reparsed"]):
            done = subprocess.run([NODE, str(HERE / "verify_webhook.js"), str(body_file), signature, SECRET, *mode],
                                  capture_output=True, text=True)
            assert (done.returncode, done.stdout.strip()) == (0, "valid"), (mode, done.stderr)
        assert node_reprint(request.body.decode()).encode() == request.body
    db.session.rollback()
    assert {d.state for d in db.session.query(WebhookDelivery)} == {"delivered"}
