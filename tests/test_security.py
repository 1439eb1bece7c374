"""Issue 7 items 1, 3, 4, 5 and the routing item: login failures, body and URL limits, headers, file modes."""
from __future__ import annotations

import io
import json
import os
import stat
import tempfile
import uuid

import pyotp
import pytest
import redis
from conftest import PASSWORD, make_app
from sqlalchemy import func, select

from portal.api.common import json_too_deep
from portal.api.routing import RESERVED_SEGMENTS
from portal.models import User, WorkOrder
from portal.platform.extensions import db
from portal.platform.http.security import MAX_JSON_DEPTH, PAGE_CSP, body_limit
from portal.services.identity import auth as auth_service

LOGIN_FAILED = {"message": "Invalid email, password or MFA code", "errors": []}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _work_orders() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(WorkOrder))


# --- 1. every login failure is the same 401 -------------------------------------------------------

def _bad_codes(right: str) -> list[object]:
    # (A NUL character is refused as 400 in every text field before any credential is looked at.)
    return [None, "", "12345", "1234567", "abcdef", "é" + right[1:], right.translate(FULL_WIDTH),
            "１２３４５６", " ١٢٣٤٥٦", "12 34 56", "0" * 64, int(right) + 1 if right != "999999" else 0]


@pytest.mark.parametrize("password_right", [True, False])
def test_every_login_failure_is_the_same_401(client, users, password_right):
    user = users["north"]["technician"]
    right = pyotp.TOTP(user.totp_secret).now()
    password = PASSWORD if password_right else "wrong password"
    for code in _bad_codes(right):
        body = {"email": user.email, "password": password}
        if code is not None:
            body["mfaToken"] = code
        r = client.post("/api/auth/login", json=body)
        assert (r.status_code, r.json) == (401, LOGIN_FAILED), code
    # The full-width form of the right code used to be a 500 with the right password only.
    assert client.post("/api/auth/login", json={"email": user.email, "password": password,
                                                 "mfaToken": right.translate(FULL_WIDTH)}).status_code == 401


def test_unknown_email_and_inactive_user_fail_alike(client, users):
    user = users["north"]["manager"]
    code = pyotp.TOTP(user.totp_secret).now()
    unknown = client.post("/api/auth/login", json={"email": "nobody@north.example.com", "password": PASSWORD,
                                                    "mfaToken": code})
    assert (unknown.status_code, unknown.json) == (401, LOGIN_FAILED)
    user.active = False
    db.session.commit()
    inactive = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD, "mfaToken": code})
    assert (inactive.status_code, inactive.json) == (401, LOGIN_FAILED)


def test_the_right_code_still_logs_in_once(client, users):
    user = users["north"]["technician"]
    code = pyotp.TOTP(user.totp_secret).now()
    ok = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD, "mfaToken": f" {code} "})
    assert ok.status_code == 200, ok.json
    again = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD, "mfaToken": code})
    assert (again.status_code, again.json) == (401, LOGIN_FAILED)


@pytest.mark.parametrize("token", ["é", "１２３.４５６.７８９", "ａ" * 300, "x.y.z"])
def test_refresh_with_odd_tokens_is_401(client, token):
    r = client.post("/api/auth/refresh", json={"refreshToken": token})
    assert r.status_code == 401 and r.json["message"] == "Invalid token"


# --- 3. bodies ------------------------------------------------------------------------------------

def test_body_over_the_limit_is_413_before_it_is_read(client, auth, users):
    big = json.dumps({"title": "x" * (1024 * 1024)})
    r = client.post("/api/work-orders", data=big, content_type="application/json", headers=auth("north", "manager"))
    assert r.status_code == 413
    assert r.json == {"message": "Request body too large: at most 1048576 bytes", "errors": []}
    assert _work_orders() == 0
    login = client.post("/api/auth/login", data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                        content_type="application/json")
    assert login.status_code == 413 and login.json["message"].startswith("Request body too large")


def test_a_declared_length_over_the_limit_is_refused_without_reading(app, auth, users):
    # The body stream is never touched: it would raise if it were read.
    class Unreadable(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, _buffer) -> int:
            raise AssertionError("the body was read")

    r = app.test_client().post("/api/auth/login", content_type="application/json", environ_overrides={
        "wsgi.input": Unreadable(), "CONTENT_LENGTH": str(5 * 1024 * 1024)})
    assert r.status_code == 413 and r.json["message"].startswith("Request body too large")


def test_chunked_body_growing_past_the_limit_is_413(app, auth, users):
    app.config["MAX_BODY_BYTES"] = 4096  # read per request: a smaller limit keeps the test light
    body = json.dumps({"title": "Pump", "description": "x" * 8000}).encode()
    r = app.test_client().post(
        "/api/work-orders", input_stream=io.BytesIO(body), content_type="application/json",
        headers={**auth("north", "manager"), "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})
    assert r.status_code == 413, r.json
    assert r.json["message"] == "Request body too large: at most 4096 bytes"
    assert _work_orders() == 0
    small = json.dumps({"title": "Pump"}).encode()
    ok = app.test_client().post(
        "/api/work-orders", input_stream=io.BytesIO(small), content_type="application/json",
        headers={**auth("north", "manager"), "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})
    assert ok.status_code == 201, ok.json


def test_a_route_can_raise_its_own_body_limit(_schema):
    # Routes added on the app itself (not the API blueprint) are CSRF-checked: switch that off here.
    app = make_app(MAX_BODY_BYTES=1000, WTF_CSRF_ENABLED=False)

    @app.post("/api/test-upload")
    @body_limit(10_000)
    def upload():
        from flask import request

        return {"size": len(request.get_data())}

    @app.post("/api/test-small")
    def small():
        from flask import request

        return {"size": len(request.get_data())}

    client = app.test_client()
    assert client.post("/api/test-upload", data=b"x" * 5000).json == {"size": 5000}
    assert client.post("/api/test-upload", data=b"x" * 10_001).status_code == 413
    assert client.post("/api/test-small", data=b"x" * 1001).status_code == 413


def test_deep_nesting_is_400_without_authentication(client, users):
    r = client.post("/api/auth/login", data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert r.status_code == 400
    assert r.json == {"message": "Malformed JSON body",
                      "errors": [{"field": "body", "message": f"JSON nested deeper than {MAX_JSON_DEPTH} levels"}]}
    inside = '{"email": "a@b.c", "password": ' + "[" * 100 + "]" * 100 + "}"
    assert client.post("/api/auth/login", data=inside, content_type="application/json").status_code == 400


def test_json_depth_is_counted_outside_strings():
    assert not json_too_deep(b"[" * 64 + b"]" * 64)
    assert json_too_deep(b"[" * 65 + b"]" * 65)
    assert not json_too_deep(b'{"a": "' + b"[" * 500 + b'\\"{{{"}')
    assert not json_too_deep(b"[" + b"[]," * 10_000 + b"[]]")
    assert json_too_deep(b'{"a": ' * 65 + b"1" + b"}" * 65)


@pytest.mark.parametrize("content_type, data", [
    ("text/plain", b'{"title": "Pump"}'),
    ("application/x-www-form-urlencoded", b"title=Pump"),
    ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nPump\r\n--x--'),
    ("application/json; charset=utf-16", '{"title": "Pump"}'.encode("utf-16")),
    ("application/json; charset=latin-1", b'{"title": "Pump"}'),
    ("application/json", '{"title": "Pump"}'.encode("utf-16-le")),
    ("application/json", '{"title": "Pump"}'.encode("utf-16")),
    ("application/json", '{"title": "Pump"}'.encode("utf-32")),
])
def test_bodies_that_are_not_utf8_json_are_415(client, auth, users, content_type, data):
    r = client.post("/api/work-orders", data=data, headers={**auth("north", "manager"), "Content-Type": content_type})
    assert r.status_code == 415, r.json
    assert r.json["message"] == "Unsupported media type" and len(r.json["errors"]) == 1
    assert _work_orders() == 0


def test_utf8_json_and_no_body_are_fine(client, auth, users):
    h = auth("north", "manager")
    assert client.post("/api/work-orders", data='{"title": "Pompe à eau"}'.encode(),
                       headers={**h, "Content-Type": "application/json; charset=UTF-8"}).status_code == 201
    assert client.post("/api/auth/logout", headers=h).status_code == 200


# --- 4. headers -----------------------------------------------------------------------------------

def _assert_common_headers(r) -> None:
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


def test_api_answers_carry_security_headers_and_no_store(client, auth, users):
    h = auth("north", "manager")
    for r in (client.get("/api/work-orders", headers=h), client.get("/api/auth/me", headers=h),
              client.get("/api/work-orders"), client.get(f"/api/parts/{uuid.uuid4()}", headers=h),
              client.post("/api/auth/login", json={"email": "a@b.c", "password": "x", "mfaToken": "123456"})):
        _assert_common_headers(r)
        assert r.headers["Cache-Control"] == "no-store", r.request.path
        assert r.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_docs_page_has_a_strict_csp_and_nothing_inline(client):
    page = client.get("/api/docs")
    _assert_common_headers(page)
    csp = page.headers["Content-Security-Policy"]
    assert csp == PAGE_CSP
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    html = page.get_data(as_text=True)
    assert "<script" not in html and "<style" not in html and " style=" not in html
    assert "Cache-Control" not in page.headers or "no-store" not in page.headers["Cache-Control"]
    spec = client.get("/api/openapi.json")
    _assert_common_headers(spec)
    assert "no-store" not in spec.headers.get("Cache-Control", "")


def test_link_headers_ignore_the_host_header(client, auth, users):
    h = auth("north", "manager")
    client.post("/api/work-orders", json={"title": "Pump"}, headers=h)
    client.post("/api/work-orders", json={"title": "Fan"}, headers=h)
    r = client.get("/api/work-orders?limit=1", headers={**h, "Host": "evil.example"})
    assert r.status_code == 200
    assert "evil.example" not in r.headers["Link"]
    assert all(part.strip().startswith("</api/work-orders?") for part in r.headers["Link"].split(","))


def test_link_headers_use_the_public_base_url(client, app, auth, users):
    app.config["PUBLIC_BASE_URL"] = "https://cmms.example.com"
    r = client.get("/api/parts?limit=1", headers={**auth("north", "manager"), "Host": "evil.example"})
    assert "evil.example" not in r.headers["Link"]
    assert r.headers["Link"].startswith("<https://cmms.example.com/api/parts?")


# --- URL length -----------------------------------------------------------------------------------

def test_over_long_urls_are_414_in_the_error_format(client, auth, users):
    h = auth("north", "manager")
    prefix = "/api/auth/me?note="
    at_limit = prefix + "x" * (4096 - len(prefix))
    assert client.get(at_limit, headers=h).status_code == 200
    r = client.get(at_limit + "x", headers=h)
    assert r.status_code == 414
    assert r.json["message"] == "Request URL too long: at most 4096 bytes of path and query"
    assert r.json["errors"] == []
    # Before routing: an unknown long path is 414 too, not 404.
    assert client.get("/api/" + "x" * 5000).status_code == 414


# --- routing: literal segments are not ids ---------------------------------------------------------

def test_get_on_parts_consume_is_405_with_the_real_methods(client, auth, users):
    h = auth("north", "manager")
    r = client.get("/api/parts/consume", headers=h)
    assert r.status_code == 405
    assert set(r.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    assert r.json["message"]
    options = client.options("/api/parts/consume")
    assert set(options.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    reorder = client.patch("/api/parts/reorder-requests", json={}, headers=h)
    assert reorder.status_code == 405
    assert set(reorder.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_every_route_advertises_only_its_own_methods(app):
    """A literal segment beside an id (like /parts/consume beside /parts/<id>) must be reserved."""
    methods: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        methods.setdefault(rule.rule, set()).update(rule.methods)
    adapter = app.url_map.bind("localhost")
    for pattern, expected in methods.items():
        if not pattern.startswith("/api"):
            continue
        rule = next(r for r in app.url_map.iter_rules() if r.rule == pattern)
        path = rule.build({name: str(uuid.uuid4()) for name in rule.arguments})[1]
        assert set(adapter.allowed_methods(path)) == expected, (pattern, RESERVED_SEGMENTS)


# --- 5. local secrets -----------------------------------------------------------------------------

def _mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_fresh_instance_directory_and_database_are_owner_only(monkeypatch, _schema):
    instance = os.path.join(tempfile.mkdtemp(prefix="maintainpro-modes-"), "instance")
    monkeypatch.setenv("MAINTAINPRO_INSTANCE", instance)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    previous = os.umask(0o022)  # the usual umask: files would be 0644 without our care
    try:
        app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance}/maintainpro.db")
        with app.app_context():
            db.create_all()
            db.session.execute(select(func.count()).select_from(User))
            assert _mode(instance) == 0o700
            for name in ("maintainpro.db", "maintainpro.db-wal", "maintainpro.db-shm", "secret_key"):
                assert _mode(os.path.join(instance, name)) == 0o600, name
            db.session.remove()
            db.engine.dispose()
    finally:
        os.umask(previous)


def test_embedded_redis_files_are_owner_only(_schema):
    from portal.platform.redis import embedded_redis_socket, stop_embedded_redis

    instance = tempfile.mkdtemp(prefix="maintainpro-redis-")
    os.chmod(instance, 0o755)
    previous = os.umask(0o022)
    try:
        client = redis.Redis(unix_socket_path=embedded_redis_socket(instance))
        try:
            client.set("k", "v")
            client.save()  # written by the redis-server process itself
            names = os.listdir(instance)
            assert "redis.db" in names
            for name in names:
                assert _mode(os.path.join(instance, name)) == 0o600, name
        finally:
            client.close()
            stop_embedded_redis(instance)
    finally:
        os.umask(previous)


def test_existing_loose_database_file_is_tightened(_schema):
    instance = tempfile.mkdtemp(prefix="maintainpro-loose-")
    path = os.path.join(instance, "old.db")
    open(path, "w").close()
    os.chmod(path, 0o644)
    make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    assert _mode(path) == 0o600


@pytest.mark.parametrize("secret, problem", [
    ("AAAAAAAA", "Too short"),
    ("A" * 25, "Too short"),
    ("A" * 25 + "1", "base32"),
    ("not base32 at all, no!!!!!!", "base32"),
])
def test_create_user_refuses_weak_totp_secrets(runner, app, secret, problem):
    result = runner.invoke(args=["create-user", "new@plant.example.com", "--password", "long enough pw",
                                 "--role", "technician", "--warehouse", "East Plant", "--totp-secret", secret])
    assert result.exit_code == 1
    assert "totpSecret" in result.output and problem in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_user_accepts_128_bit_secrets_and_generates_160_bit_ones(app):
    user = auth_service.create_user("a@plant.example.com", "long enough pw", "technician", "East Plant",
                                    totp_secret="a" * 26)
    assert user.totp_secret == "A" * 26
    generated = auth_service.create_user("b@plant.example.com", "long enough pw", "technician", "East Plant")
    assert len(generated.totp_secret) == 32  # 32 base32 characters = 160 bits
