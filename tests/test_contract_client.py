"""An integrator's client, written only from the API contract (../shared/maintainpro-api-v1.md).

It speaks real HTTP (requests) to a real `gunicorn -w 2 wsgi:app` whose schema was built by the
Alembic migrations (Flask-Migrate's upgrade, as `flask db upgrade` runs it) and whose users were
made by the service `flask create-user` calls, so it also proves the migrations and the
production server. It imports nothing from
`portal`: what it knows about the API is what the contract says. Webhooks, preventive
maintenance and performance monitoring have their own suites.

The server gets its own instance directory and its own database: a SQLite file there, or, when
the run has DATABASE_URL (PostgreSQL), a scratch database created and dropped here, because the
in-process suite builds its tables in the run's database with create_all. Redis is the run's
REDIS_URL when set, else the server's embedded Redis.
"""
from __future__ import annotations

import json
import re
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pyotp
import pytest
import requests
from live_server import PASSWORD, UUID_TEXT, Account, Server, ServerFailed, live_server

ISO_MS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
MONEY = re.compile(r"^\d+\.\d{2}$")
CAMEL = re.compile(r"^[a-z][A-Za-z0-9]*$")
FO_NUMBER = re.compile(r"^WO-(\d{4})-(\d{3,})$")

# The objects as the contract's examples show them.
LOGIN_KEYS = {"user", "token", "refreshToken", "sessionId"}
LOGIN_USER_KEYS = {"id", "email", "role", "warehouseId"}
WORK_ORDER_KEYS = {"id", "foNumber", "title", "description", "status", "priority", "type", "equipmentId",
                   "assignedTo", "requestedBy", "dueDate", "createdAt", "warehouseId"}
EQUIPMENT_KEYS = {"id", "assetTag", "model", "manufacturer", "description", "status", "location", "area",
                  "criticality", "installDate", "warehouseId"}
PART_KEYS = {"id", "partNumber", "description", "category", "stockLevel", "reorderPoint", "unitCost",
             "supplier", "location", "warehouseId"}
WORK_ORDER_STATUSES = {"new", "assigned", "in_progress", "on_hold", "completed", "cancelled"}
PRIORITIES = {"low", "medium", "high", "critical"}
ID_FIELDS = {"id", "equipmentId", "assignedTo", "requestedBy", "warehouseId", "workOrderId", "partId"}
TIME_FIELDS = {"dueDate", "createdAt", "installDate", "completedAt", "updatedAt"}

# The contract's request bodies, verbatim; only the placeholder ids are replaced at send time.
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
CURL_CREATE_WORK_ORDER_EXAMPLE = {"title": "Bearing Replacement", "priority": "high", "equipmentId": "equipment-123"}
SDK_CREATE_WORK_ORDER_EXAMPLE = {"title": "Emergency Repair", "priority": "high", "equipmentId": "equipment-123"}
CREATE_EQUIPMENT_EXAMPLE = {
    "assetTag": "MOTOR-205",
    "model": "ABB M3BP 160MLA4",
    "manufacturer": "ABB",
    "description": "Conveyor drive motor",
    "location": "Production Line 2",
    "area": "Assembly",
    "criticality": "medium",
}
# "List Equipment" / "List Parts" response items without their server-assigned id and warehouseId:
# the contract shows no create body for parts, so the listed object is what an integrator sends.
LISTED_EQUIPMENT_EXAMPLE = {
    "assetTag": "PUMP-001",
    "model": "Grundfos CR 64",
    "manufacturer": "Grundfos",
    "description": "Main circulation pump",
    "status": "active",
    "location": "Building A - Basement",
    "area": "Mechanical Room",
    "criticality": "high",
    "installDate": "2023-06-15T00:00:00.000Z",
}
LISTED_PART_EXAMPLE = {
    "partNumber": "BRG-6205-2RS",
    "description": "Ball Bearing 25x52x15mm",
    "category": "Bearings",
    "stockLevel": 45,
    "reorderPoint": 10,
    "unitCost": "12.50",
    "supplier": "SKF Industrial",
    "location": "Shelf A-12-B",
}
CONSUME_EXAMPLE = {
    "workOrderId": "work-order-uuid",
    "partsUsage": [{"partId": "part-uuid", "quantityUsed": 2, "unitCost": "12.50"}],
}


# --- the server (tests/live_server.py, shared with the SDK suites) --------------------------

@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    instance = tempfile.mkdtemp(prefix="maintainpro-contract-")
    try:
        yield from _serve(instance)
    finally:
        shutil.rmtree(instance, ignore_errors=True)


CONTRACT_USERS = {
    "manager": ("planner@plant-a.example.com", "manager", "Integrator Plant A"),
    "technician": ("fitter@plant-a.example.com", "technician", "Integrator Plant A"),
    "requester": ("operator@plant-a.example.com", "requester", "Integrator Plant A"),
    "gatekeeper": ("gate@plant-a.example.com", "technician", "Integrator Plant A"),
    "leaver": ("leaver@plant-a.example.com", "technician", "Integrator Plant A"),
    "rival": ("planner@plant-b.example.com", "manager", "Integrator Plant B"),
}

# The contract's rate limits, switched on with budgets this suite never spends (the rate-limit
# suites of test_operations.py and the SDKs reach theirs): its headers are part of the contract.
CONTRACT_LIMITS = {"RATELIMIT_ENABLED": "1", "RATELIMIT_API": "100000/hour", "RATELIMIT_AUTH": "1000/minute",
                   "RATELIMIT_WEBHOOKS": "1000/minute"}


def _serve(instance: str) -> Iterator[Server]:
    """Migrate, create the users, run gunicorn; stop it and drop the scratch database after."""
    try:
        with live_server(instance, CONTRACT_USERS, **CONTRACT_LIMITS) as running:
            yield running
    except ServerFailed as exc:
        pytest.fail(str(exc))


# --- the client --------------------------------------------------------------------------------

def login(server: Server, account: Account, code: str | None = None, password: str = PASSWORD) -> requests.Response:
    body = {"email": account.email, "password": password, "mfaToken": code or pyotp.TOTP(account.totp_secret).now()}
    return no_server_error(server, requests.post(f"{server.base}/api/auth/login", json=body, timeout=30))


def no_server_error(server: Server, response: requests.Response) -> requests.Response:
    """A 5xx is never part of the contract's answer: fail with the server's own account of it."""
    assert response.status_code < 500, f"{response.request.method} {response.url} -> {response.status_code}\n" \
                                        f"--- gunicorn log (tail) ---\n{server.log_tail()}"
    return response


class Client:
    """What an integrator writes: a base URL and a Bearer token."""

    def __init__(self, server: Server, token: str, login_body: dict) -> None:
        self.server = server
        self.base = server.base
        self.login_body = login_body
        self.headers = {"Authorization": f"Bearer {token}"}

    @property
    def user(self) -> dict:
        return self.login_body["user"]

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = requests.request(method, f"{self.base}/api{path}", headers=headers, timeout=30, **kwargs)
        return no_server_error(self.server, response)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: dict) -> requests.Response:
        return self.request("POST", path, json=body)

    def patch(self, path: str, body: dict) -> requests.Response:
        return self.request("PATCH", path, json=body)


@pytest.fixture(scope="module")
def clients(server: Server) -> dict[str, Client]:
    """One login per user for the whole module: a TOTP code is good for one login only."""
    result = {}
    for name in ("manager", "technician", "requester", "rival"):
        answer = login(server, server.accounts[name])
        assert answer.status_code == 200, answer.text
        result[name] = Client(server, answer.json()["token"], answer.json())
    return result


def with_ids(example: dict, **ids: str) -> dict:
    """The contract example with its placeholder ids replaced by real ones."""
    return {**example, **ids}


def assert_error(response: requests.Response, status: int) -> dict:
    """The contract's error format: {message, errors: [{field, message}]}."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], list)
    for item in body["errors"]:
        assert set(item) >= {"field", "message"}, item
        assert isinstance(item["message"], str) and item["message"]
    return body


def assert_contract_object(obj: dict, keys: set[str]) -> None:
    """Every field the contract shows, camelCase names only, UUID ids, ISO-8601 ms Z times."""
    missing = keys - set(obj)
    assert not missing, f"missing {missing} in {obj}"
    for key, value in obj.items():
        assert CAMEL.match(key), f"field name {key!r} is not camelCase"
        if key in ID_FIELDS and value is not None:
            assert UUID_TEXT.match(value) and str(uuid.UUID(value)) == value, (key, value)
        if key in TIME_FIELDS and value is not None:
            assert ISO_MS_Z.match(value), (key, value)


def new_work_order(client: Client, **fields) -> dict:
    answer = client.post("/work-orders", {"title": "Check coupling alignment", **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()


def new_equipment(client: Client, tag: str) -> dict:
    answer = client.post("/equipment", with_ids(CREATE_EQUIPMENT_EXAMPLE, assetTag=tag))
    assert answer.status_code == 201, answer.text
    return answer.json()


def fo_sequence(work_order: dict) -> int:
    match = FO_NUMBER.match(work_order["foNumber"])
    assert match, work_order["foNumber"]
    return int(match.group(2))


# --- Authentication ------------------------------------------------------------------------------

def test_login_answers_the_contract_shape(server, clients):
    for name, client in clients.items():
        account = server.accounts[name]
        body = client.login_body
        assert set(body) >= LOGIN_KEYS
        assert set(body["user"]) >= LOGIN_USER_KEYS
        assert body["user"]["id"] == account.user_id
        assert body["user"]["email"] == account.email
        assert body["user"]["role"] == account.role
        for value in (body["user"]["id"], body["user"]["warehouseId"], body["sessionId"]):
            assert UUID_TEXT.match(value), value
        assert body["token"] != body["refreshToken"]
        assert client.get("/work-orders").status_code == 200
    assert clients["manager"].user["warehouseId"] == clients["technician"].user["warehouseId"]
    assert clients["manager"].user["warehouseId"] != clients["rival"].user["warehouseId"]


def test_failed_logins_answer_401_alike_and_a_code_works_once(server):
    gate = server.accounts["gatekeeper"]
    code = pyotp.TOTP(gate.totp_secret).now()
    assert login(server, gate, code).status_code == 200
    replayed = assert_error(login(server, gate, code), 401)
    wrong_password = assert_error(login(server, gate, code, password="not-the-password"), 401)
    stale_code = pyotp.TOTP(gate.totp_secret).at(datetime.now(UTC).timestamp() - 600)
    wrong_code = assert_error(login(server, gate, stale_code), 401)
    stranger = Account("nobody@plant-a.example.com", "technician", "", gate.totp_secret)
    unknown_email = assert_error(login(server, stranger), 401)
    assert wrong_password["message"] == wrong_code["message"] == unknown_email["message"]
    assert replayed["message"]


def test_logout_ends_the_session_in_every_server_process(server):
    answer = login(server, server.accounts["leaver"])
    assert answer.status_code == 200, answer.text
    client = Client(server, answer.json()["token"], answer.json())
    refresh_token = answer.json()["refreshToken"]
    assert client.get("/auth/me").status_code == 200
    assert client.post("/auth/logout", {}).status_code in (200, 204)
    # gunicorn runs two worker processes; a new connection per request lands on either one.
    for _ in range(12):
        assert_error(client.get("/work-orders"), 401)
    refreshed = requests.post(f"{server.base}/api/auth/refresh", json={"refreshToken": refresh_token}, timeout=30)
    assert_error(refreshed, 401)


# --- Work orders ---------------------------------------------------------------------------------

def test_create_work_order_example_answers_201_with_the_work_order(clients):
    manager, technician = clients["manager"], clients["technician"]
    motor = new_equipment(manager, "MOTOR-205-A")
    body = with_ids(CREATE_WORK_ORDER_EXAMPLE, equipmentId=motor["id"], assignedTo=technician.user["id"])
    before = datetime.now(UTC).replace(microsecond=0)
    answer = manager.post("/work-orders", body)
    after = datetime.now(UTC)
    assert answer.status_code == 201, answer.text
    work_order = answer.json()
    assert_contract_object(work_order, WORK_ORDER_KEYS)
    for field in ("title", "description", "priority", "type", "equipmentId", "assignedTo", "dueDate"):
        assert work_order[field] == body[field], field
    assert work_order["dueDate"] == "2025-01-21T16:00:00.000Z"
    assert work_order["status"] == "assigned"
    assert work_order["requestedBy"] == manager.user["id"]
    assert work_order["warehouseId"] == manager.user["warehouseId"]
    year, _ = FO_NUMBER.match(work_order["foNumber"]).groups()
    assert int(year) == datetime.now(UTC).year
    created = datetime.strptime(work_order["createdAt"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert before <= created <= after  # stamped while the request ran (the server's clock is ours)

    fetched = technician.get(f"/work-orders/{work_order['id']}")
    assert fetched.status_code == 200
    assert {key: fetched.json()[key] for key in WORK_ORDER_KEYS} == {key: work_order[key] for key in WORK_ORDER_KEYS}


def test_curl_and_sdk_examples_create_work_orders_numbered_in_sequence(clients):
    manager = clients["manager"]
    pump = new_equipment(manager, "MOTOR-205-B")
    first = manager.post("/work-orders", with_ids(CURL_CREATE_WORK_ORDER_EXAMPLE, equipmentId=pump["id"]))
    second = manager.post("/work-orders", with_ids(SDK_CREATE_WORK_ORDER_EXAMPLE, equipmentId=pump["id"]))
    assert first.status_code == 201 and second.status_code == 201, (first.text, second.text)
    for answer, example in ((first, CURL_CREATE_WORK_ORDER_EXAMPLE), (second, SDK_CREATE_WORK_ORDER_EXAMPLE)):
        assert_contract_object(answer.json(), WORK_ORDER_KEYS)
        assert answer.json()["title"] == example["title"]
        assert answer.json()["priority"] == "high"
        assert answer.json()["status"] in WORK_ORDER_STATUSES
    assert fo_sequence(second.json()) == fo_sequence(first.json()) + 1


def test_requester_creates_a_work_order_that_starts_new(clients):
    answer = clients["requester"].post("/work-orders", {"title": "Conveyor belt squeals at start-up",
                                                        "priority": "low", "type": "inspection"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "new"
    assert answer.json()["requestedBy"] == clients["requester"].user["id"]
    assert answer.json()["assignedTo"] is None


def test_list_work_orders_with_the_contract_query(clients):
    manager, technician = clients["manager"], clients["technician"]
    tech_id = technician.user["id"]
    wanted = [
        new_work_order(manager, priority="high"),
        new_work_order(manager, priority="medium", assignedTo=tech_id),
    ]
    unwanted = [
        new_work_order(manager, priority="low"),
        new_work_order(manager, priority="critical", assignedTo=tech_id),
    ]
    assert [w["status"] for w in wanted + unwanted] == ["new", "assigned", "new", "assigned"]

    answer = technician.get("/work-orders?status=new,assigned&priority=high,medium")
    assert answer.status_code == 200
    listed = answer.json()
    assert isinstance(listed, list)
    for item in listed:
        assert_contract_object(item, WORK_ORDER_KEYS)
        assert item["status"] in {"new", "assigned"} and item["priority"] in {"high", "medium"}
        assert item["warehouseId"] == technician.user["warehouseId"]
    listed_ids = {item["id"] for item in listed}
    assert {w["id"] for w in wanted} <= listed_ids
    assert not {w["id"] for w in unwanted} & listed_ids

    mine = manager.get("/work-orders", params={"assignedTo": tech_id})
    assert mine.status_code == 200
    assert mine.json() and all(item["assignedTo"] == tech_id for item in mine.json())
    assert {wanted[1]["id"], unwanted[1]["id"]} <= {item["id"] for item in mine.json()}


def test_update_example_completes_an_assigned_work_order(clients):
    manager, technician = clients["manager"], clients["technician"]
    work_order = new_work_order(manager, priority="medium", assignedTo=technician.user["id"])
    assert work_order["status"] == "assigned"

    answer = technician.patch(f"/work-orders/{work_order['id']}", UPDATE_WORK_ORDER_EXAMPLE)
    assert answer.status_code == 200, answer.text
    updated = answer.json()
    assert_contract_object(updated, WORK_ORDER_KEYS)
    assert updated["status"] == "completed"
    assert updated["completionNotes"] == "Replaced bearing, tested operation"
    assert ISO_MS_Z.match(updated["completedAt"])
    assert updated["foNumber"] == work_order["foNumber"]

    again = manager.get(f"/work-orders/{work_order['id']}").json()
    assert again["status"] == "completed"
    assert again["completionNotes"] == "Replaced bearing, tested operation"


# --- Equipment -----------------------------------------------------------------------------------

def test_create_equipment_example_and_list_equipment(clients):
    manager = clients["manager"]
    answer = manager.post("/equipment", CREATE_EQUIPMENT_EXAMPLE)
    assert answer.status_code == 201, answer.text
    motor = answer.json()
    assert_contract_object(motor, EQUIPMENT_KEYS)
    for field, value in CREATE_EQUIPMENT_EXAMPLE.items():
        assert motor[field] == value, field
    assert motor["installDate"] is None
    assert isinstance(motor["status"], str) and motor["status"]
    assert motor["warehouseId"] == manager.user["warehouseId"]

    listed_example = manager.post("/equipment", LISTED_EQUIPMENT_EXAMPLE)
    assert listed_example.status_code == 201, listed_example.text
    pump = listed_example.json()
    assert {field: pump[field] for field in LISTED_EQUIPMENT_EXAMPLE} == LISTED_EQUIPMENT_EXAMPLE

    listed = clients["requester"].get("/equipment")
    assert listed.status_code == 200
    assert isinstance(listed.json(), list)
    by_id = {item["id"]: item for item in listed.json()}
    for item in by_id.values():
        assert_contract_object(item, EQUIPMENT_KEYS)
    assert by_id[motor["id"]] == motor
    assert by_id[pump["id"]]["installDate"] == "2023-06-15T00:00:00.000Z"
    assert clients["technician"].get(f"/equipment/{pump['id']}").json() == pump


# --- Inventory -----------------------------------------------------------------------------------

def test_listed_part_and_consume_example(clients):
    manager, technician = clients["manager"], clients["technician"]
    answer = manager.post("/parts", LISTED_PART_EXAMPLE)
    assert answer.status_code == 201, answer.text
    bearing = answer.json()
    assert_contract_object(bearing, PART_KEYS)
    assert {field: bearing[field] for field in LISTED_PART_EXAMPLE} == LISTED_PART_EXAMPLE
    assert MONEY.match(bearing["unitCost"])

    listed = technician.get("/parts")
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    for item in listed.json():
        assert_contract_object(item, PART_KEYS)
        assert isinstance(item["unitCost"], str) and MONEY.match(item["unitCost"])
    assert bearing["id"] in {item["id"] for item in listed.json()}

    work_order = new_work_order(manager, assignedTo=technician.user["id"])
    body = {**CONSUME_EXAMPLE, "workOrderId": work_order["id"],
            "partsUsage": [with_ids(CONSUME_EXAMPLE["partsUsage"][0], partId=bearing["id"])]}
    consumed = technician.post("/parts/consume", body)
    assert consumed.status_code in (200, 201), consumed.text
    assert technician.get(f"/parts/{bearing['id']}").json()["stockLevel"] == 43

    too_many = {**body, "partsUsage": [{"partId": bearing["id"], "quantityUsed": 44, "unitCost": "12.50"}]}
    refused = technician.post("/parts/consume", too_many)
    assert 400 <= refused.status_code < 500
    assert_error(refused, refused.status_code)
    assert technician.get(f"/parts/{bearing['id']}").json()["stockLevel"] == 43


# --- Error handling ------------------------------------------------------------------------------

def test_invalid_request_data_is_400_in_the_error_format(clients):
    manager = clients["manager"]
    no_title = assert_error(manager.post("/work-orders", {"priority": "high"}), 400)
    assert "title" in {item["field"] for item in no_title["errors"]}
    bad_priority = assert_error(manager.post("/work-orders", {"title": "Fix leak", "priority": "urgent"}), 400)
    assert "priority" in {item["field"] for item in bad_priority["errors"]}
    malformed = manager.request("POST", "/work-orders", data="{not json", headers={"Content-Type": "application/json"})
    assert_error(malformed, 400)
    bad_money = assert_error(manager.post("/parts", {**LISTED_PART_EXAMPLE, "partNumber": "BRG-X",
                                                     "unitCost": "twelve"}), 400)
    assert "unitCost" in {item["field"] for item in bad_money["errors"]}


def test_missing_or_bad_token_is_401_in_the_error_format(server):
    assert_error(requests.get(f"{server.base}/api/work-orders", timeout=30), 401)
    assert_error(requests.get(f"{server.base}/api/parts", headers={"Authorization": "Bearer not-a-jwt"},
                              timeout=30), 401)
    assert_error(requests.post(f"{server.base}/api/equipment", json=CREATE_EQUIPMENT_EXAMPLE, timeout=30), 401)


def test_unknown_and_other_warehouse_ids_are_404_in_the_error_format(clients):
    manager, rival = clients["manager"], clients["rival"]
    for collection in ("work-orders", "equipment", "parts"):
        assert_error(manager.get(f"/{collection}/{uuid.uuid4()}"), 404)
    theirs = new_work_order(rival, priority="high")
    assert fo_sequence(theirs) == 1  # numbering is per warehouse: the rival plant's first is -001
    missing = manager.get(f"/work-orders/{uuid.uuid4()}").json()
    foreign = assert_error(manager.get(f"/work-orders/{theirs['id']}"), 404)
    assert foreign == missing
    assert_error(manager.patch(f"/work-orders/{theirs['id']}", UPDATE_WORK_ORDER_EXAMPLE), 404)
    assert theirs["id"] not in {item["id"] for item in manager.get("/work-orders").json()}
    assert_error(manager.get("/no-such-endpoint"), 404)


def test_insufficient_permissions_are_403_in_the_error_format(clients):
    assert_error(clients["requester"].post("/equipment", with_ids(CREATE_EQUIPMENT_EXAMPLE, assetTag="FAN-9")), 403)
    assert_error(clients["technician"].post("/parts", {**LISTED_PART_EXAMPLE, "partNumber": "BRG-T"}), 403)


def test_responses_are_json_with_camel_case_names_only(clients):
    manager, technician = clients["manager"], clients["technician"]
    worked_on = new_work_order(manager, assignedTo=technician.user["id"], dueDate="2031-03-01T07:30:00.000Z")
    assert manager.patch(f"/work-orders/{worked_on['id']}", {"dueDate": "2031-03-02T07:30:00.000Z"}).status_code == 200
    assert technician.patch(f"/work-orders/{worked_on['id']}", {"status": "in_progress"}).status_code == 200
    paths = ["/work-orders", "/equipment", "/parts", f"/work-orders/{worked_on['id']}"]
    for path in paths:
        answer = manager.get(path)
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("application/json")
        stack: list = [json.loads(answer.text)]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                # Names of the API's own fields; a work order's change history names them too.
                assert all(CAMEL.match(key) for key in value), list(value)
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)


# --- request limits, as gunicorn (with gunicorn.conf.py) and the app answer them over HTTP ---------

def _raw_request(server: Server, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """Send bytes as they are (requests would refuse or reshape them); the status and the body back."""
    host, port = server.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1]


def test_long_urls_get_414_in_the_error_format_not_gunicorns_html(clients):
    manager = clients["manager"]
    # 5000 bytes of query: beyond gunicorn's default request line (4094), within gunicorn.conf.py's.
    assert_error(manager.get("/auth/me", params={"note": "x" * 5000}), 414)
    assert manager.get("/auth/me", params={"note": "x" * 3000}).status_code == 200
    # Beyond limit_request_line gunicorn answers itself (documented): a plain 414 (gunicorn 27; 400
    # before), never a 5xx.
    status, _ = _raw_request(manager.server, b"GET /api/auth/me?note=" + b"x" * 9000 + b" HTTP/1.1\r\n"
                             b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status == 414


def test_bodies_over_the_limit_are_413_also_when_chunked(server, clients):
    manager = clients["manager"]
    before = manager.get("/work-orders", params={"limit": 1}).headers["X-Total-Count"]
    big = json.dumps({"title": "Pump", "description": "x" * (1024 * 1024)}).encode()
    assert_error(manager.request("POST", "/work-orders", data=big, headers={"Content-Type": "application/json"}), 413)

    def chunks():  # requests sends a generator as Transfer-Encoding: chunked, with no Content-Length
        for start in range(0, len(big), 65536):
            yield big[start:start + 65536]

    chunked = manager.request("POST", "/work-orders", data=chunks(), headers={"Content-Type": "application/json"})
    assert_error(chunked, 413)
    assert manager.get("/work-orders", params={"limit": 1}).headers["X-Total-Count"] == before  # nothing written
    deep = requests.post(f"{server.base}/api/auth/login", data="[" * 100_000 + "]" * 100_000,
                         headers={"Content-Type": "application/json"}, timeout=30)
    assert_error(deep, 400)
    assert_error(requests.post(f"{server.base}/api/auth/login", data="email=a", timeout=30,
                               headers={"Content-Type": "application/x-www-form-urlencoded"}), 415)


def test_rate_limit_headers_describe_one_budget_of_the_user_on_every_answer(clients):
    manager = clients["manager"]
    before = time.time()
    answers = [manager.get("/work-orders", params={"limit": 1}), manager.get("/equipment"),
               manager.get("/parts/consume"), manager.get("/no-such-endpoint")]
    assert [r.status_code for r in answers] == [200, 200, 405, 404]
    remaining = [int(r.headers["X-RateLimit-Remaining"]) for r in answers]
    first = remaining[0]
    assert remaining == [first, first - 1, first - 2, first - 3]  # one budget, whatever the route
    for r in answers:
        assert r.headers["X-RateLimit-Limit"] == "100000"
        assert before - 1 <= int(r.headers["X-RateLimit-Reset"]) <= before + 3602
        assert "Retry-After" not in r.headers  # only a 429 or a 503 says when to come back
    forbidden = clients["technician"].post("/parts", {**LISTED_PART_EXAMPLE, "partNumber": "BRG-R"})
    assert_error(forbidden, 403)
    assert "Retry-After" not in forbidden.headers and forbidden.headers["X-RateLimit-Limit"] == "100000"


def test_get_on_parts_consume_is_405_and_links_ignore_the_host_header(clients):
    manager = clients["manager"]
    consume = manager.get("/parts/consume")
    assert_error(consume, 405)
    assert set(consume.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    listing = manager.get("/work-orders", params={"limit": 1}, headers={"Host": "evil.example"})
    assert listing.status_code == 200 and "evil.example" not in listing.headers["Link"]
    assert listing.headers["Cache-Control"] == "no-store"
    assert listing.headers["X-Content-Type-Options"] == "nosniff"
