"""The Python client as an integrator uses it, against the real app: gunicorn on a free port, a
migrated scratch database, a real worker delivering webhooks to a receiver on 127.0.0.1.

Runs the contract's own examples through the SDK. Part of `make test` (sdk/python is put on
sys.path here; `pip install -e sdk/python` works as well).
"""
from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pyotp
import pytest

ROOT = Path(__file__).resolve().parents[3]
for extra in (ROOT / "tests", ROOT / "sdk" / "python"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from live_server import DEFAULT_USERS, SDK_ENV, Server, ServerFailed, live_server  # noqa: E402
from maintainpro_client import (  # noqa: E402
    MaintainProClient,
    MaintainProError,
    MaintainProNetworkError,
    MaintainProTimeout,
    verify_timestamped_webhook,
    verify_webhook,
)
from receiver import Receiver  # noqa: E402

# The contract's examples (maintainpro-api-v1.md), placeholder ids replaced at send time.
CREATE_WORK_ORDER_EXAMPLE = {
    "title": "Emergency Repair - Motor M-205",
    "description": "Motor showing unusual vibration patterns",
    "priority": "high",
    "type": "corrective",
    "equipmentId": "equipment-uuid",
    "assignedTo": "technician-uuid",
    "dueDate": "2025-01-21T16:00:00.000Z",
}
UPDATE_WORK_ORDER_EXAMPLE = {"status": "completed", "completionNotes": "Replaced bearing, tested operation"}
CREATE_EQUIPMENT_EXAMPLE = {"assetTag": "MOTOR-205", "model": "ABB M3BP 160MLA4", "manufacturer": "ABB",
                            "description": "Conveyor drive motor", "location": "Production Line 2",
                            "area": "Assembly", "criticality": "medium"}
LISTED_PART_EXAMPLE = {"partNumber": "BRG-6205-2RS", "description": "Ball Bearing 25x52x15mm", "category": "Bearings",
                       "stockLevel": 45, "reorderPoint": 10, "unitCost": "12.50", "supplier": "SKF Industrial",
                       "location": "Shelf A-12-B"}
REGISTER_WEBHOOK_EXAMPLE = {"url": "https://your-system.com/webhooks/maintainpro",
                            "events": ["work_order.created", "work_order.completed", "equipment.status_changed",
                                       "inventory.low_stock"],
                            "secret": "your-webhook-secret-key", "active": True}


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    instance = tempfile.mkdtemp(prefix="maintainpro-sdk-py-")
    try:
        # A short settle horizon: the sync test's last read need not wait the default 5 s.
        with live_server(instance, DEFAULT_USERS, worker=True, **{**SDK_ENV, "SYNC_SETTLE_SECONDS": "1"}) as running:
            yield running
    except ServerFailed as exc:
        pytest.fail(str(exc))
    finally:
        shutil.rmtree(instance, ignore_errors=True)


@pytest.fixture(scope="module")
def clients(server: Server) -> dict[str, MaintainProClient]:
    """Logged in once per user (a TOTP code is accepted once)."""
    result = {}
    for name in ("admin", "manager", "technician"):
        account = server.accounts[name]
        client = MaintainProClient(f"{server.base}/api")
        client.auth.login(account.email, "integrator-password-1", pyotp.TOTP(account.totp_secret).now())
        result[name] = client
    return result


def test_login_with_mfa_keeps_the_tokens(server, clients):
    manager = clients["manager"]
    me = manager.auth.me()
    assert me["email"] == server.accounts["manager"].email and me["role"] == "manager"
    assert manager.token and manager.refresh_token
    with pytest.raises(MaintainProError) as refused:
        MaintainProClient(f"{server.base}/api").auth.login(server.accounts["manager"].email, "wrong", "000000")
    assert refused.value.status == 401 and refused.value.message


def test_contract_flow_create_list_across_pages_consume_complete(server, clients):
    manager, technician = clients["manager"], clients["technician"]
    pump = manager.equipment.create(CREATE_EQUIPMENT_EXAMPLE)
    assert manager.equipment.get(pump["id"])["assetTag"] == "MOTOR-205"
    bearing = manager.parts.create(LISTED_PART_EXAMPLE)
    created = manager.work_orders.create({**CREATE_WORK_ORDER_EXAMPLE, "equipmentId": pump["id"],
                                          "assignedTo": server.accounts["technician"].user_id})
    assert created["status"] == "assigned" and created["foNumber"].startswith("WO-")
    for number in range(4):
        manager.work_orders.create(title=f"Inspect coupling {number}", priority="high", equipmentId=pump["id"])
    manager.work_orders.create(title="Low one", priority="low", equipmentId=pump["id"])

    first = manager.work_orders.list(equipmentId=pump["id"], priority=["high", "medium"], limit=2)
    assert len(first) == 2 and first.total == 5 and "next" in first.links
    every = list(manager.work_orders.iterate(equipmentId=pump["id"], priority="high,medium", limit=2))
    assert len(every) == 5 and len({w["id"] for w in every}) == 5
    assert all(w["priority"] == "high" for w in every)

    consumed = technician.parts.consume(created["id"], [{"partId": bearing["id"], "quantityUsed": 2,
                                                          "unitCost": "12.50"}])
    assert consumed is not None
    assert manager.parts.get(bearing["id"])["stockLevel"] == 43
    done = technician.work_orders.update(created["id"], UPDATE_WORK_ORDER_EXAMPLE)
    assert done["status"] == "completed"
    assert manager.work_orders.get(created["id"])["status"] == "completed"
    assert [p["partNumber"] for p in manager.parts.iterate(limit=1)] == ["BRG-6205-2RS"]


def test_errors_carry_status_message_and_field_errors(clients):
    with pytest.raises(MaintainProError) as bad:
        clients["manager"].work_orders.create(priority="urgent")
    assert bad.value.status == 400
    assert {e["field"] for e in bad.value.errors} >= {"title", "priority"}
    with pytest.raises(MaintainProError) as missing:
        clients["manager"].work_orders.get(str(uuid.uuid4()))
    assert missing.value.status == 404
    with pytest.raises(MaintainProError) as forbidden:
        clients["technician"].webhooks.list()
    assert forbidden.value.status == 403
    assert forbidden.value.retry_after is None  # a permission error: nothing to wait for
    assert (forbidden.value.rate_limit["limit"] or 0) > 0  # the budget is described on every answer


@pytest.mark.parametrize(("status", "retry_after"), [(429, 3600), (503, 3600), (400, None), (403, None),
                                                     (404, None), (409, None)])
def test_retry_after_is_read_from_a_429_or_a_503_only(status, retry_after):
    error = MaintainProError(status, "Refused", headers={"Retry-After": "3600", "X-RateLimit-Limit": "60"})
    assert error.retry_after == retry_after
    assert error.rate_limit["limit"] == 60


def _expired_token(server: Server, account_name: str, session_id: str) -> str:
    """An access token of a live session whose exp has passed, signed with the server's own key."""
    secret = (Path(server.instance) / "secret_key").read_text().strip()
    past = datetime.now(UTC) - timedelta(hours=1)
    claims = {"fresh": False, "iat": past, "nbf": past, "jti": str(uuid.uuid4()), "type": "access",
              "sub": server.accounts[account_name].user_id, "sid": session_id, "exp": past + timedelta(minutes=15)}
    return jwt.encode(claims, secret, algorithm="HS256")


def test_an_expired_access_token_is_refreshed_once_and_the_request_retried(server):
    account = server.accounts["admin"]
    fresh = MaintainProClient(f"{server.base}/api")
    body = fresh.auth.login(account.email, "integrator-password-1",
                            pyotp.TOTP(account.totp_secret).at(time.time() + 30))
    expired = _expired_token(server, "admin", body["sessionId"])
    client = MaintainProClient(f"{server.base}/api", token=expired, refresh_token=body["refreshToken"])
    assert client.auth.me()["email"] == account.email
    assert client.token != expired
    # Without a refresh token the 401 is surfaced as it is.
    with pytest.raises(MaintainProError) as refused:
        MaintainProClient(f"{server.base}/api", token=expired).auth.me()
    assert refused.value.status == 401 and refused.value.message == "Token has expired"
    # Logout ends the session: the refresh token dies with it.
    client.auth.logout()
    stale = MaintainProClient(f"{server.base}/api", token=expired, refresh_token=body["refreshToken"])
    with pytest.raises(MaintainProError) as after:
        stale.work_orders.list()
    assert after.value.status == 401


def test_webhook_registered_delivers_a_signed_event_verified_by_the_helper(clients):
    admin, manager = clients["admin"], clients["manager"]
    with Receiver() as receiver:
        hook = admin.webhooks.create({**REGISTER_WEBHOOK_EXAMPLE, "url": receiver.url})
        assert hook["secret"] == "your-webhook-secret-key"
        assert hook["id"] in {h["id"] for h in admin.webhooks.list()}
        made = manager.work_orders.create(title="Bearing Replacement", priority="high")
        got = receiver.wait_for(1, timeout=60)
        assert got, "the worker delivered nothing"
        delivery = got[0]
        headers = {k.lower(): v for k, v in delivery.headers.items()}
        assert headers["x-maintainpro-event"] == "work_order.created"
        assert verify_webhook(delivery.body, headers["x-maintainpro-signature"], "your-webhook-secret-key")
        assert not verify_webhook(delivery.body + b" ", headers["x-maintainpro-signature"], "your-webhook-secret-key")
        assert not verify_webhook(delivery.body, headers["x-maintainpro-signature"], "another-secret")
        stamp, stamped = headers["x-maintainpro-timestamp"], headers["x-maintainpro-timestamp-signature"]
        assert verify_timestamped_webhook(delivery.body, stamp, stamped, "your-webhook-secret-key")
        # Replayed an hour later: refused, and a fresh timestamp does not match the signature.
        assert not verify_timestamped_webhook(delivery.body, stamp, stamped, "your-webhook-secret-key",
                                              now=int(stamp) + 3600)
        assert verify_timestamped_webhook(delivery.body, stamp, stamped, "your-webhook-secret-key",
                                          now=int(stamp) + 3600, tolerance=7200)
        assert not verify_timestamped_webhook(delivery.body, str(int(stamp) + 1), stamped, "your-webhook-secret-key",
                                              tolerance=7200)
        assert not verify_timestamped_webhook(delivery.body + b" ", stamp, stamped, "your-webhook-secret-key")
        assert not verify_timestamped_webhook(delivery.body, stamp, headers["x-maintainpro-signature"],
                                              "your-webhook-secret-key")
        payload = json.loads(delivery.body)
        assert payload["event"] == "work_order.created" and payload["data"]["entityId"] == made["id"]

        ping = admin.webhooks.test(hook["id"])
        assert ping["success"] is True
        # The receiver has answered; the worker records the outcome just after, so give it a moment.
        deadline = time.monotonic() + 10
        while (stats := admin.webhooks.stats(hook["id"]))["delivered"] < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stats["delivered"] >= 2 and stats["total"] >= 2
        deliveries = admin.webhooks.deliveries(hook["id"])
        assert {d["event"] for d in deliveries} >= {"work_order.created"}
        admin.webhooks.update(hook["id"], active=False)
        admin.webhooks.delete(hook["id"])


def test_pm_templates_compliance_and_performance(clients):
    admin, manager = clients["admin"], clients["manager"]
    template = manager.pm_templates.create(name="Monthly Motor Inspection", frequencyType="calendar", frequency=30,
                                           description="Monthly preventive maintenance for motors",
                                           estimatedDuration=120,
                                           checklist=[{"id": "check-1", "description": "Check motor temperature",
                                                       "type": "measurement", "required": True}])
    assert template["id"] in {t["id"] for t in manager.pm_templates.iterate()}
    compliance = manager.pm_compliance.get(days=30)
    assert isinstance(compliance, dict)
    summary = admin.performance.summary()
    assert {"uptime", "requestCount", "averageResponseTime", "errorRate"} <= set(summary)
    manager.pm_templates.delete(template["id"])


def test_an_api_key_works_and_stops_at_once_when_revoked(server, clients):
    admin = clients["admin"]
    created = admin.api_keys.create("ERP sync", "manager")
    integration = MaintainProClient(f"{server.base}/api", api_key=created["key"])
    made = integration.work_orders.create(title="Raised by the ERP", priority="low")
    assert integration.work_orders.get(made["id"])["title"] == "Raised by the ERP"
    assert integration.auth.me()["role"] == "manager"
    listed = {k["id"]: k for k in admin.api_keys.list()}
    assert listed[created["id"]]["lastUsedAt"] is not None and "key" not in listed[created["id"]]
    admin.api_keys.revoke(created["id"])
    with pytest.raises(MaintainProError) as refused:
        integration.work_orders.list()
    assert refused.value.status == 401


def test_rate_limit_surfaces_429_with_retry_after(server):
    account = server.accounts["limited"]
    # max_retry_after=0: a 429 is not waited out but raised at once (by default the client waits up to 60 s).
    client = MaintainProClient(f"{server.base}/api", max_retry_after=0)
    client.auth.login(account.email, "integrator-password-1", pyotp.TOTP(account.totp_secret).now())
    with pytest.raises(MaintainProError) as limited:
        for _ in range(200):  # RATELIMIT_API is 60/minute for this server
            client.work_orders.list(limit=1)
    error = limited.value
    assert error.status == 429 and error.message
    assert error.retry_after is not None and 1 <= error.retry_after <= 60
    assert re.fullmatch(r"Rate limit exceeded: 60 requests per minute; try again in (a few seconds|1 minute)",
                        error.message)
    assert error.rate_limit["limit"] == 60 and error.rate_limit["remaining"] == 0
    assert error.rate_limit["reset"] is not None


# --- transport, against a local HTTP server that fails on purpose ------------------------------------

class _Scripted:
    """Answers each request with the next (status, body, headers) of a script, or with what
    `script(method)` gives; records each request's method and Idempotency-Key."""

    def __init__(self, script: list[tuple[int, object, dict[str, str]]]
                 | Callable[[str], tuple[int, object, dict[str, str]]]) -> None:
        self.script = script if isinstance(script, list) else []
        self.answer = script if callable(script) else lambda _method: self.script.pop(0)
        self.seen: list[tuple[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.seen.append((self.command, self.headers.get("Idempotency-Key")))
                status, body, headers = outer.answer(self.command)
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _answer  # noqa: N815

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/api"

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _flaky() -> _Scripted:
    """503 to the first request of each method, then 200 with []."""
    server: _Scripted

    def answer(method: str) -> tuple[int, object, dict[str, str]]:
        if [m for m, _key in server.seen].count(method) == 1:  # this request is the method's first
            return 503, {"message": "Service unavailable", "errors": []}, {}
        return 200, [], {}

    server = _Scripted(answer)
    return server


def test_every_request_is_retried_and_a_retried_write_keeps_its_idempotency_key():
    flaky = _flaky()
    with flaky as base:
        client = MaintainProClient(base, token="t", backoff=0.01)
        assert client.work_orders.list() == []
        client.api_keys.revoke("k")
        assert client.request("POST", "/work-orders", json={"title": "once"}) == []
    assert [method for method, _ in flaky.seen] == ["GET", "GET", "DELETE", "DELETE", "POST", "POST"]
    keys = {method: {key for m, key in flaky.seen if m == method} for method in ("GET", "DELETE", "POST")}
    assert keys["GET"] == {None}  # reads need no key
    assert len(keys["POST"]) == 1 and None not in keys["POST"]  # one key, the same on the retry
    assert len(keys["DELETE"]) == 1 and None not in keys["DELETE"]


def test_no_answer_is_the_sdks_error_with_the_librarys_as_its_cause():
    import requests

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    waits: list[float] = []
    client = MaintainProClient(f"http://127.0.0.1:{port}/api", token="t", retries=2, sleep=waits.append)
    with pytest.raises(MaintainProNetworkError) as refused:
        client.work_orders.list()
    assert refused.value.status == 0 and isinstance(refused.value.__cause__, requests.ConnectionError)
    assert len(waits) == 2 and waits[0] < waits[1]  # retried with a growing backoff
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        client = MaintainProClient(f"http://127.0.0.1:{silent.getsockname()[1]}/api", token="t", timeout=0.2,
                                   retries=0)
        with pytest.raises(MaintainProTimeout) as slow:
            client.work_orders.create(title="never answered")
    assert isinstance(slow.value, MaintainProError) and isinstance(slow.value.__cause__, requests.Timeout)


class _SwallowingProxy:
    """A TCP proxy in front of the server that drops the answer of its first connection: the request
    reaches the server and runs, the client hears nothing and times out. Later connections pass."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.sent: list[bytes] = []  # what each connection sent upstream
        self.answers: list[bytes] = []  # what upstream answered, per connection (the first one swallowed)
        self.sockets: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            index = len(self.sent)
            self.sent.append(b"")
            self.answers.append(b"")
            up = socket.create_connection(self.upstream)
            self.sockets += [conn, up]
            threading.Thread(target=self._pump, args=(conn, up, index, False, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(up, conn, index, True, index == 0), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, index: int, upstream_side: bool,
              swallow: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if upstream_side:
                    self.answers[index] += chunk
                else:
                    self.sent[index] += chunk
                if not swallow:
                    target.sendall(chunk)
        except OSError:
            pass
        finally:
            if not swallow:
                with contextlib.suppress(OSError):
                    target.shutdown(socket.SHUT_WR)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/api"

    def __exit__(self, *_exc: object) -> None:
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


def _keys(raw: bytes) -> list[str]:
    return re.findall(r"(?im)^idempotency-key:\s*(\S+)\s*$", raw.decode("latin-1"))


def test_a_create_whose_answer_is_lost_is_retried_with_the_same_key_and_makes_one_work_order(server, clients):
    key = clients["admin"].api_keys.create("Retry check", "manager")
    title = f"Made once {uuid.uuid4().hex[:8]}"
    proxy = _SwallowingProxy(server.base)
    with proxy as base:
        client = MaintainProClient(base, api_key=key["key"], timeout=2.5, retries=5, backoff=0.05)
        made = client.work_orders.create(title=title, priority="high")
    posts = [index for index, sent in enumerate(proxy.sent) if sent.startswith(b"POST /api/work-orders ")]
    assert len(posts) >= 2 and posts[0] == 0, "the first answer was not swallowed, or the create not retried"
    assert b" 201 " in proxy.answers[0].split(b"\r\n", 1)[0], "the first attempt did not run on the server"
    assert len({key for index in posts for key in _keys(proxy.sent[index])}) == 1  # one key on every attempt
    assert b"idempotency-replayed: true" in proxy.answers[posts[-1]].lower()
    same = clients["manager"].work_orders.list(q=title)
    assert [w["id"] for w in same] == [made["id"]], "the retry made a second work order"


def test_the_429_of_a_small_budget_is_waited_out():
    """A server whose budget is 3 requests a second: eight reads in a row all succeed, the client
    having slept on the 429's Retry-After in between."""
    instance = tempfile.mkdtemp(prefix="maintainpro-sdk-py-429-")
    try:
        with live_server(instance, DEFAULT_USERS, **{**SDK_ENV, "RATELIMIT_API": "3/second"}) as tight:
            account = tight.accounts["manager"]
            waits: list[float] = []

            def sleep(seconds: float) -> None:
                waits.append(seconds)
                time.sleep(seconds)

            client = MaintainProClient(f"{tight.base}/api", sleep=sleep)
            statuses: list[int] = []
            client.session.hooks["response"].append(lambda response, *_a, **_k: statuses.append(response.status_code))
            client.auth.login(account.email, "integrator-password-1", pyotp.TOTP(account.totp_secret).now())
            pages = [client.work_orders.list(limit=1) for _ in range(8)]
            assert all(page.total is not None for page in pages)
            assert 429 in statuses and statuses[-1] == 200
            assert waits and all(1 <= wait <= 2 for wait in waits)  # Retry-After, not the backoff
    except ServerFailed as exc:
        pytest.fail(str(exc))
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def test_a_full_incremental_sync_with_concurrent_writers_skips_and_repeats_nothing(server, clients):
    """A reader keeps a copy by cursor while one writer creates work orders and another edits them:
    no version comes twice, and after the writers stop the copy equals the server's list."""
    base = f"{server.base}/api"
    keys = [clients["admin"].api_keys.create(f"Sync {role}", "manager") for role in ("reader", "creator", "editor")]
    reader, creator, editor = (MaintainProClient(base, api_key=key["key"]) for key in keys)
    seeded = [creator.work_orders.create(title=f"Sync seed {n}", priority="low") for n in range(5)]
    copy: dict[str, dict] = {}
    versions: list[tuple[str, str]] = []
    cursor = "*"

    def sync_once() -> None:
        nonlocal cursor
        sync = reader.work_orders.sync(cursor=cursor, limit=5)
        for work_order in sync:
            versions.append((work_order["id"], work_order["updatedAt"]))
            copy[work_order["id"]] = work_order
        cursor = sync.cursor  # kept after the rows are stored

    failures: list[BaseException] = []

    def write(action) -> None:
        try:
            for n in range(10):
                action(n)
        except BaseException as exc:  # surfaced below, in the test's thread
            failures.append(exc)

    writers = [
        threading.Thread(target=write, args=(lambda n: creator.work_orders.create(title=f"Sync new {n}"),)),
        threading.Thread(target=write, args=(lambda n: editor.work_orders.update(seeded[n % 5]["id"],
                                                                                 description=f"Edit {n}"),)),
    ]
    for writer in writers:
        writer.start()
    runs = 0
    while any(writer.is_alive() for writer in writers):
        sync_once()
        runs += 1
        time.sleep(0.2)
    for writer in writers:
        writer.join()
    assert not failures, failures
    time.sleep(1.2)  # past the settle horizon (SYNC_SETTLE_SECONDS=1 on this server)
    sync_once()
    truth = {w["id"]: w for w in reader.work_orders.iterate(limit=100)}
    assert runs >= 1
    assert len(versions) == len(set(versions)), "a version came twice"
    assert copy.keys() == truth.keys(), "the sync skipped (or invented) work orders"
    assert copy == truth, "the copy holds an older version than the server's"
    assert {f"Sync new {n}" for n in range(10)} <= {w["title"] for w in copy.values()}
    assert {copy[w["id"]]["description"] for w in seeded} == {f"Edit {n}" for n in range(5, 10)}
    # Nothing changed since: the next run reads one empty page and keeps the cursor.
    kept = cursor
    again = reader.work_orders.sync(cursor=cursor)
    assert list(again) == [] and again.cursor == kept and again.pages_read == 1


def _png(ink: bool = False) -> bytes:
    """A small PNG: a red square, or (ink) a white box crossed by a thick black stroke, as a signature."""
    from io import BytesIO

    from PIL import Image, ImageDraw

    out = BytesIO()
    image = Image.new("RGB", (120, 40), (255, 255, 255) if ink else (200, 40, 40))
    if ink:
        ImageDraw.Draw(image).line([(5, 30), (60, 5), (115, 30)], fill=(0, 0, 0), width=6)
    image.save(out, format="PNG")
    return out.getvalue()


def test_every_kind_of_endpoint_through_its_method(server, clients):
    key = clients["admin"].api_keys.create("Everything", "admin")
    api = MaintainProClient(f"{server.base}/api", api_key=key["key"])
    mark = uuid.uuid4().hex[:8]
    technician_id = server.accounts["technician"].user_id
    assert api.api_keys.get(key["id"])["name"] == "Everything"
    assert api.openapi()["openapi"].startswith("3.")
    assert "<html" in api.docs_page().lower()

    user = api.users.create(email=f"tech-{mark}@plant.example.com", role="technician", password="a-long-password-1",
                            name="New Tech")
    assert api.users.update(user["id"], name="Renamed Tech")["name"] == "Renamed Tech"
    assert api.users.get(user["id"])["email"] == f"tech-{mark}@plant.example.com"
    assert user["id"] in {u["id"] for u in api.users.iterate()}
    assert api.users.reset_mfa(user["id"])["enrolmentCode"]
    warehouse = api.warehouse.get()
    assert api.warehouse.update(timezone=warehouse["timezone"])["id"] == warehouse["id"]

    pump = api.equipment.create(assetTag=f"PUMP-{mark}", criticality="high")
    assert api.equipment.change_status(pump["id"], "down", reason="Seal leak")["status"] == "down"
    assert api.equipment.change_status(pump["id"], "active")["status"] == "active"
    assert len(api.equipment.downtime(pump["id"])) == 1
    assert list(api.equipment.meter_readings(pump["id"])) == []
    assert api.equipment.rotate_report_token(pump["id"])
    assert f"PUMP-{mark}" in api.equipment.export(q=f"PUMP-{mark}")

    seal = api.parts.create(partNumber=f"SEAL-{mark}", description="Shaft seal", stockLevel=5, unitCost="3.00")
    assert api.parts.record_stock_movement(seal["id"], type="receipt", quantity=10)["quantity"] == 10
    assert api.parts.get(seal["id"])["stockLevel"] == 15
    assert len(api.parts.stock_movements(seal["id"])) >= 1
    assert f"SEAL-{mark}" in api.parts.export(q=f"SEAL-{mark}")

    title = f"Replace seal {mark}"
    order = api.work_orders.create(title=title, equipmentId=pump["id"], type="corrective")
    assert [w["assignedTo"] for w in api.work_orders.bulk_assign([order["id"]], technician_id)] == [technician_id]
    [bulk] = api.work_orders.bulk_update([order["id"]], priority="high", due_date=None)
    assert (bulk["priority"], bulk["dueDate"], bulk["assignedTo"]) == ("high", None, technician_id)
    comment = api.work_orders.add_comment(order["id"], "Seal ordered")
    assert [c["id"] for c in api.work_orders.comments(order["id"])] == [comment["id"]]
    api.work_orders.add_labor(order["id"], minutes=45, userId=technician_id)
    assert api.work_orders.labor(order["id"])["actualDuration"] == 45
    api.parts.consume(order["id"], [{"partId": seal["id"], "quantityUsed": 2, "unitCost": "3.00"}])
    detail = api.work_orders.get(order["id"], expand=["labor", "comments"])
    assert detail["partsCost"] == "6.00" and detail["laborCost"] is not None
    assert api.work_orders.checklist(order["id"]) == [] and api.work_orders.follow_ups(order["id"]) == []
    wanted = api.work_orders.request_part(order["id"], seal["id"], 3)
    assert wanted["id"] in {r["id"] for r in api.work_orders.part_requests(order["id"])}
    assert wanted["id"] in {r["id"] for r in api.reorder_requests.list()}
    assert api.reorder_requests.mark_ordered(wanted["id"])["status"] == "ordered"
    assert api.reorder_requests.mark_received(wanted["id"], note="Arrived")["status"] == "received"
    assert api.reorder_requests.get(wanted["id"])["status"] == "received"
    photo = api.work_orders.add_attachment(order["id"], _png(), "seal.png", "image/png")
    assert [a["id"] for a in api.work_orders.attachments(order["id"])] == [photo["id"]]
    assert api.work_orders.attachment(order["id"], photo["id"])[:4] == b"\x89PNG"
    signed = api.work_orders.sign(order["id"], _png(ink=True), "Jane Planner")
    assert api.work_orders.signature(order["id"])["id"] == signed["id"]

    # Exports and request(): text for what is not JSON, with the headers asked for.
    csv = api.work_orders.export(q=title)
    assert csv.splitlines()[0].startswith(("id,", "\ufeffid,", "foNumber", "\ufefffoNumber")) and title in csv
    lines = [json.loads(line) for line in api.work_orders.export(format="ndjson", q=title).splitlines()]
    assert lines[-1] == {"end": True, "rows": 1} and lines[0]["id"] == order["id"]
    assert [row["id"] for row in api.work_orders.export_rows(q=title)] == [order["id"]]
    text = api.request("GET", "/work-orders/export", params={"q": title, "format": "csv"}, headers={"Accept": "text/csv"})
    assert isinstance(text, str) and title in text
    assert isinstance(api.kpis.get(days=30), dict) and isinstance(api.kpis.trends(), dict)
    started = api.imports.create("parts", f"partNumber,description\nIMP-{mark},Imported seal\n")
    assert api.imports.get(started["id"])["kind"] == "parts"
    assert started["id"] in {i["id"] for i in api.imports.list()}


def test_a_409_on_a_running_key_is_retried_and_a_422_on_a_reused_key_is_not():
    running = {"message": "Still running", "errors": [{"field": "Idempotency-Key", "message": "send it again"}]}
    made = {"id": "wo-1", "title": "Pump"}
    waits: list[float] = []
    scripted = _Scripted([(409, running, {"Retry-After": "1"}), (201, made, {}),
                          (422, {"message": "Reused", "errors": [{"field": "Idempotency-Key", "message": "other"}]}, {}),
                          (409, {"message": "Not allowed", "errors": [{"field": "status", "message": "closed"}]}, {})])
    with scripted as base:
        client = MaintainProClient(base, token="t", sleep=waits.append)
        assert client.work_orders.create(title="Pump") == made
        with pytest.raises(MaintainProError) as reused:
            client.work_orders.create(title="Pump")
        with pytest.raises(MaintainProError) as conflict:
            client.work_orders.update("wo-1", status="completed")
    assert waits == [1.0]  # the Retry-After of the 409, nothing else waited
    assert reused.value.status == 422 and conflict.value.status == 409
    keys = [key for _, key in scripted.seen]
    assert keys[0] == keys[1] and len(set(keys)) == 3 and None not in keys
