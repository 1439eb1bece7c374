"""Operations (issue 10): rate limits in Redis, the performance summary, /healthz, /readyz,
request ids and JSON request/job logs, and no secret in any response or log line."""
from __future__ import annotations

import json
import logging
import re
import socket
import subprocess
import tempfile
import time

import pyotp
import pytest
import redis as redis_lib
from conftest import PASSWORD, make_app, token_for
from limits import parse
from rq import Queue

from portal.jobs.scheduler import AppSimpleWorker
from portal.platform import cache
from portal.platform.ratelimits import limit_in_words, wait_in_words
from portal.platform.redis import get_redis, redis_server_binary
from portal.services.identity import auth as auth_service


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def json(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def access_lines():
    handler = Lines()
    logger = logging.getLogger("maintainpro.access")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def limited_app(**limits):
    return make_app(RATELIMIT_ENABLED=True, **limits)


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {token_for(user)}"}


def wrong_login(client, **kwargs):
    return client.post("/api/auth/login", json={"email": "nobody@north.example.com", "password": "wrong password",
                                                "mfaToken": "123456"}, **kwargs)


# --- Rate limits ---------------------------------------------------------------------------

def test_auth_limit_per_ip_shared_by_login_and_refresh(app):
    limited = limited_app(RATELIMIT_AUTH="3/minute")
    client = limited.test_client()
    before = time.time()
    remaining = []
    for _ in range(2):
        r = wrong_login(client)
        assert r.status_code == 401
        assert r.headers["X-RateLimit-Limit"] == "3"
        remaining.append(r.headers["X-RateLimit-Remaining"])
        assert before - 1 <= int(r.headers["X-RateLimit-Reset"]) <= before + 62  # epoch seconds
    assert remaining == ["2", "1"]
    assert client.post("/api/auth/refresh", json={}).status_code == 401  # the third of the shared budget
    r = wrong_login(client)
    assert r.status_code == 429
    assert set(r.get_json()) == {"message", "errors"}
    assert 0 <= int(r.headers["Retry-After"]) <= 60
    assert r.headers["X-RateLimit-Remaining"] == "0"
    assert client.post("/api/auth/refresh", json={}).status_code == 429
    # Another client address has its own budget.
    assert wrong_login(client, environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 401


def test_api_limit_per_user_with_ip_fallback(app, users):
    limited = limited_app(RATELIMIT_API="2/hour")
    client = limited.test_client()
    north, south = bearer(users["north"]["manager"]), bearer(users["south"]["manager"])
    for _ in range(2):
        r = client.get("/api/work-orders", headers=north)
        assert r.status_code == 200 and r.headers["X-RateLimit-Limit"] == "2"
    r = client.get("/api/work-orders", headers=north)
    assert r.status_code == 429 and r.get_json()["message"]
    # Same address, another user: counted apart.
    assert client.get("/api/work-orders", headers=south).status_code == 200
    # Without a token the address is the key (the 401s count too).
    assert [client.get("/api/work-orders").status_code for _ in range(3)] == [401, 401, 429]


def test_webhooks_limit_per_route_besides_the_api_budget(app, users):
    limited = limited_app(RATELIMIT_WEBHOOKS="2/minute", RATELIMIT_API="100/hour")
    client = limited.test_client()
    admin = bearer(users["north"]["admin"])
    statuses = [client.get("/api/webhooks", headers=admin) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    # The answers describe the one API budget; the refusal, the webhooks limit that refused.
    assert [r.headers["X-RateLimit-Limit"] for r in statuses] == ["100", "100", "2"]
    assert [r.headers["X-RateLimit-Remaining"] for r in statuses] == ["99", "98", "0"]
    assert statuses[2].get_json()["message"] == "Rate limit exceeded: 2 requests per minute; try again in 1 minute"
    # Another webhooks route has its own counter; every request drew from the API budget too.
    assert client.get("/api/webhooks/no-such-id", headers=admin).status_code == 404
    r = client.get("/api/work-orders", headers=admin)
    assert r.headers["X-RateLimit-Limit"] == "100" and r.headers["X-RateLimit-Remaining"] == "95"


def test_one_api_budget_for_every_route_and_method(app, users):
    limited = limited_app(RATELIMIT_API="4/hour")
    client = limited.test_client()
    north, south = bearer(users["north"]["manager"]), bearer(users["south"]["manager"])
    answers = [client.get("/api/work-orders", headers=north),
               client.get("/api/equipment", headers=north),
               client.post("/api/work-orders", json={"title": "Budget check"}, headers=north),
               client.get("/api/parts/consume", headers=north)]  # 405: counted, and it says so
    assert [r.status_code for r in answers] == [200, 200, 201, 405]
    assert {r.headers["X-RateLimit-Limit"] for r in answers} == {"4"}
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["3", "2", "1", "0"]
    resets = [int(r.headers["X-RateLimit-Reset"]) for r in answers]
    assert max(resets) - min(resets) <= 1  # one window (Redis keeps its TTL in whole seconds)
    assert not [r for r in answers if "Retry-After" in r.headers]
    # Spent: every route and method is refused, an unknown one too.
    refused = [client.get("/api/parts", headers=north),
               client.post("/api/work-orders", json={"title": "Over budget"}, headers=north),
               client.patch("/api/work-orders/no-such-id", json={}, headers=north),
               client.get("/api/nowhere", headers=north)]
    assert [r.status_code for r in refused] == [429, 429, 429, 429]
    for r in refused:
        assert r.headers["X-RateLimit-Limit"] == "4" and r.headers["X-RateLimit-Remaining"] == "0"
        assert 3500 <= int(r.headers["Retry-After"]) <= 3601
        assert r.get_json() == {"message": "Rate limit exceeded: 4 requests per hour; try again in 60 minutes",
                                "errors": []}
    # Another user of the same address has a budget of their own; a 404 carries its headers.
    missing = client.get("/api/nowhere", headers=south)
    assert missing.status_code == 404 and missing.headers["X-RateLimit-Remaining"] == "3"
    assert "Retry-After" not in missing.headers


def test_guessed_api_keys_are_counted_on_the_address(app):
    client = limited_app(RATELIMIT_API="2/hour").test_client()
    guesses = [{"Authorization": "Bearer mp_live_guess"},
               {"Authorization": "Bearer mp_live_" + "0" * 36 + "_secret"}]
    answers = [client.get("/api/work-orders", headers=h) for h in guesses]
    assert [r.status_code for r in answers] == [401, 401]
    assert [r.get_json()["message"] for r in answers] == ["Invalid API key", "Invalid or revoked API key"]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["1", "0"]
    assert client.get("/api/work-orders", headers=guesses[1]).status_code == 429


def test_retry_after_only_on_a_refusal(app, users):
    client = limited_app(RATELIMIT_API="1/hour").test_client()
    technician = bearer(users["north"]["technician"])
    forbidden = client.get("/api/webhooks", headers=technician)
    assert forbidden.status_code == 403 and forbidden.headers["X-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in forbidden.headers
    refused = client.get("/api/work-orders", headers=technician)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_login_is_counted_per_address_not_on_the_api_budget(app, users):
    client = limited_app(RATELIMIT_API="1/hour", RATELIMIT_AUTH="2/minute").test_client()
    first, second = wrong_login(client), wrong_login(client)
    assert [first.status_code, second.status_code] == [401, 401]
    assert [r.headers["X-RateLimit-Limit"] for r in (first, second)] == ["2", "2"]
    assert "Retry-After" not in first.headers
    refused = wrong_login(client)
    assert refused.status_code == 429
    assert refused.get_json()["message"] == "Rate limit exceeded: 2 requests per minute; try again in 1 minute"
    # The address's API budget (no token) is untouched by the logins.
    assert client.get("/api/work-orders").headers["X-RateLimit-Remaining"] == "0"


def test_the_portal_says_the_limit_in_words(app):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_AUTH="1/minute", WTF_CSRF_ENABLED=False).test_client()
    form = {"email": "nobody@north.example.com", "password": "wrong password"}
    assert client.post("/login", data=form).status_code == 401
    page = client.post("/login", data=form)
    assert page.status_code == 429
    assert "You can try once per minute. Try again in 1 minute." in page.get_data(as_text=True)
    assert "per 1 minute" not in page.get_data(as_text=True)


@pytest.mark.parametrize(("seconds", "words"), [
    (3, "in a few seconds"), (49, "in a few seconds"), (55, "in 1 minute"), (60, "in 1 minute"),
    (61, "in 2 minutes"), (11 * 60 + 20, "in 12 minutes"), (2 * 3600, "in 2 hours"), (3 * 86400, "in 3 days")])
def test_waits_in_words(seconds, words):
    assert wait_in_words(seconds) == words


def test_limits_in_words():
    assert limit_in_words(parse("1000/hour")) == "1000 requests per hour"
    assert limit_in_words(parse("1/minute")) == "1 request per minute"
    assert limit_in_words(parse("10 per 5 minutes")) == "10 requests per 5 minutes"


def test_health_probes_are_not_limited(app):
    client = limited_app(RATELIMIT_API="1/hour").test_client()
    for _ in range(3):
        r = client.get("/healthz")
        assert r.status_code == 200 and r.get_json() == {"status": "ok"}
        assert "X-RateLimit-Limit" not in r.headers
        assert client.get("/readyz").status_code == 200


def test_forwarded_for_is_ignored_without_trusted_proxies(app):
    client = limited_app(RATELIMIT_AUTH="1/minute").test_client()
    assert wrong_login(client, headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 401
    # A client cannot buy a fresh budget by inventing addresses.
    assert wrong_login(client, headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 429


def test_forwarded_for_counts_behind_a_trusted_proxy(app):
    client = limited_app(RATELIMIT_AUTH="1/minute", TRUSTED_PROXIES=1).test_client()
    assert wrong_login(client, headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 401
    assert wrong_login(client, headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 401
    assert wrong_login(client, headers={"X-Forwarded-For": "203.0.113.1"}).status_code == 429


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_redis():
    """A real redis-server of our own on a free loopback port, so the test may stop it."""
    port = _free_port()
    workdir = tempfile.mkdtemp(prefix="mp-redis-")
    proc = subprocess.Popen([redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", workdir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis_lib.Redis(port=port)
    for _ in range(500):
        try:
            client.ping()
            break
        except redis_lib.ConnectionError:
            time.sleep(0.01)  # waiting for the server to start, not timing anything
    yield f"redis://127.0.0.1:{port}/0", proc
    proc.kill()
    proc.wait()


def test_redis_down_the_api_keeps_working_and_limiting_degrades(app, users, own_redis, caplog):
    url, proc = own_redis
    limited = limited_app(REDIS_URL=url, RATELIMIT_API="50/hour")
    client = limited.test_client()
    admin = bearer(users["north"]["admin"])
    r = client.get("/api/admin/performance/summary", headers=admin)
    assert r.status_code == 200 and r.get_json()["rateLimiting"] == "ok"
    assert r.headers["X-RateLimit-Remaining"] == "49"

    redis_lib.Redis.from_url(url).shutdown(nosave=True)
    proc.wait()
    caplog.set_level(logging.WARNING)
    r = client.get("/api/work-orders", headers=admin)
    assert r.status_code == 200
    assert r.headers["X-RateLimit-Limit"] == "50"  # counted in this process's memory meanwhile
    assert "falling back to in-memory storage" in caplog.text
    created = client.post("/api/work-orders", headers=admin, json={"title": "Check the conveyor belt"})
    assert created.status_code == 201, created.get_json()

    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["message"] and {e["field"] for e in body["errors"]} == {"redis"}
    assert body["checks"]["database"] == "ok" and body["checks"]["rateLimiting"] == "degraded"
    summary = client.get("/api/admin/performance/summary", headers=admin).get_json()
    assert summary["rateLimiting"] == "degraded" and summary["metricsStore"] == "unavailable"
    assert client.get("/healthz").status_code == 200


def test_readyz_says_when_the_database_is_unreachable(app):
    broken = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
                      SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}})
    r = broken.test_client().get("/readyz")
    assert r.status_code == 503
    body = r.get_json()
    assert body["errors"][0]["field"] == "database" and body["checks"]["redis"] == "ok"
    assert "Traceback" not in r.get_data(as_text=True)


# --- Performance summary -------------------------------------------------------------------

CONTRACT_FIELDS = {"timestamp", "uptime", "requestCount", "averageResponseTime", "errorRate", "cacheHitRate",
                   "systemMetrics"}


def test_summary_counts_requests_of_every_process(app, users):
    # Two app instances stand for two web processes sharing one Redis.
    first, second = make_app(), make_app()

    @second.get("/api/test-failure")
    def failing():
        raise RuntimeError("a bug")

    admin = bearer(users["north"]["admin"])
    c1, c2 = first.test_client(), second.test_client()
    for _ in range(3):
        assert c1.get("/api/work-orders", headers=admin).status_code == 200
    assert c2.get("/api/equipment", headers=admin).status_code == 200
    assert c2.get("/api/test-failure").status_code == 500
    assert c2.get("/healthz").status_code == 200  # probes are not counted

    r = c1.get("/api/admin/performance/summary", headers=admin)
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) >= CONTRACT_FIELDS
    assert body["requestCount"] == 5  # the summary request itself is recorded after it answers
    assert body["errorRate"] == pytest.approx(1 / 5)
    assert body["averageResponseTime"] > 0
    # The list is cached (shared by both processes): a miss, then two hits.
    assert body["cacheHitRate"] == round(200 / 3, 2) and body["cacheLookups"] == 3
    assert set(body["systemMetrics"]) == {"cpuUsage", "memoryUsage", "diskUsage"}
    assert all(0 <= v <= 100 for v in body["systemMetrics"].values())
    assert body["uptime"] >= 0 and body["timestamp"].endswith("Z")
    assert body["busiestEndpoints"][0] == {"endpoint": "GET /api/work-orders", "requestCount": 3,
                                           "averageResponseTime": body["busiestEndpoints"][0]["averageResponseTime"]}
    assert body["p50"] <= body["p95"] <= body["p99"]
    assert set(body["queueDepths"]) == {"webhooks", "default", "imports"} and set(body["failedJobs"]) == {"webhooks", "default", "imports"}
    assert body["oldestPendingDeliveryAge"] is None
    assert body["rateLimiting"] == "disabled" and body["metricsStore"] == "ok"


def test_cache_hit_rate_comes_from_the_shared_counters(app, users, auth):
    for hit in (True, True, True, False):
        cache.record_lookup(hit)
    body = app.test_client().get("/api/admin/performance/summary", headers=auth("north", "admin")).get_json()
    assert body["cacheHitRate"] == 75.0 and body["cacheLookups"] == 4


@pytest.mark.parametrize("role", ["manager", "technician", "requester"])
def test_summary_is_for_admins_only(client, auth, role):
    assert client.get("/api/admin/performance/summary", headers=auth("north", role)).status_code == 403


def test_summary_requires_a_token(client):
    assert client.get("/api/admin/performance/summary").status_code == 401


def test_openapi_documents_limits_and_summary(client):
    spec = client.get("/api/openapi.json").get_json()
    op = spec["paths"]["/api/admin/performance/summary"]["get"]
    assert {"200", "401", "403", "429"} <= set(op["responses"])
    assert "X-RateLimit-Reset" in op["responses"]["200"]["headers"]
    assert "Retry-After" in op["responses"]["429"]["headers"]
    assert "RATELIMIT_AUTH" in spec["paths"]["/api/auth/login"]["post"]["responses"]["429"]["description"]
    assert "RATELIMIT_WEBHOOKS" in spec["paths"]["/api/webhooks"]["get"]["responses"]["429"]["description"]
    schema = spec["components"]["schemas"]["PerformanceSummaryOut"]
    assert set(schema["properties"]) >= CONTRACT_FIELDS
    assert "0 when" in schema["properties"]["cacheHitRate"]["description"]


# --- Request ids and logs ------------------------------------------------------------------

def test_request_id_echoed_when_sane_else_generated(client):
    assert client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.42"}).headers["X-Request-Id"] == "lb-7f3a.42"
    for bad in ("has space", "x" * 200, "a\u00e9b"):
        generated = client.get("/healthz", headers={"X-Request-Id": bad}).headers["X-Request-Id"]
        assert generated != bad and len(generated) == 32
    assert len(client.get("/healthz").headers["X-Request-Id"]) == 32


def test_one_json_line_per_request(app, client, users, auth, access_lines):
    app.config["LOG_FORMAT"] = "json"
    headers = {**auth("north", "manager"), "X-Request-Id": "req-1"}
    client.get("/api/work-orders/unknown-id?secretish=1", headers=headers)
    # Another app instance: requests of the fixture's app share its app context (and its token).
    make_app(LOG_FORMAT="json").test_client().get("/healthz")
    first, second = access_lines.json()
    assert first == {**first, "type": "request", "requestId": "req-1", "userId": users["north"]["manager"].id,
                     "warehouseId": users["north"]["manager"].warehouse_id, "method": "GET",
                     "route": "/api/work-orders/<work_order_id>", "status": 404}
    assert first["durationMs"] >= 0 and "secretish" not in access_lines.lines[0]
    assert second["route"] == "/healthz" and second["userId"] is None


@pytest.fixture
def job_lines():
    handler = Lines()
    logger = logging.getLogger("maintainpro.jobs")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def run_jobs_in_a_worker(*jobs: tuple) -> list:
    """Enqueue (function, *args) jobs and work them off in this process, as worker.py does."""
    queue = Queue("default", connection=get_redis())
    enqueued = [queue.enqueue(function, *args) for function, *args in jobs]
    AppSimpleWorker(["default"], connection=get_redis()).work(burst=True, logging_level="WARNING")
    return enqueued


def test_one_json_line_per_job(app, job_lines):
    app.config["LOG_FORMAT"] = "json"
    ok, failed = run_jobs_in_a_worker(("portal.jobs.webhooks.outbox_sweep",),
                                      ("portal.jobs.scheduler.run_periodic", "no-such-job"))
    done, broken = job_lines.json()
    assert done == {**done, "type": "job", "jobId": ok.id, "function": "portal.jobs.webhooks.outbox_sweep",
                    "queue": "default", "status": "finished"}
    assert done["durationMs"] >= 0 and "error" not in done
    assert broken == {**broken, "type": "job", "jobId": failed.id, "function": "portal.jobs.scheduler.run_periodic",
                      "status": "failed", "error": "KeyError: 'no-such-job'"}
    assert broken["where"].startswith("portal/jobs/scheduler.py:") and broken["where"].endswith("in run_periodic")
    assert broken["traceback"].startswith("Traceback") and broken["traceback"].rstrip().endswith("'no-such-job'")


def test_text_lines_say_what_someone_did_and_what_failed(app, client, users, auth, access_lines, job_lines):
    """LOG_FORMAT=text (make run): a short line per request, none for probes or for a live poll that
    found nothing new; a line per failed job, none per successful one."""
    app.config["LOG_FORMAT"] = "text"
    client.get("/api/work-orders?secretish=1", headers=auth("north", "manager"))
    client.get("/healthz")
    client.get("/api/nothing-here%0A01:02:03 GET /forged 200 1 ms")
    _, failed = run_jobs_in_a_worker(("portal.jobs.webhooks.outbox_sweep",),
                                     ("portal.jobs.scheduler.run_periodic", "no-such-job"))
    clock = r"\d\d:\d\d:\d\d"
    assert len(access_lines.lines) == 2, access_lines.lines
    assert re.fullmatch(clock + r" GET /api/work-orders 400 \d+ ms", access_lines.lines[0])  # no query string
    # A newline in the path is escaped: no line of someone else's making.
    assert re.fullmatch(clock + r" GET /api/nothing-here\\x0a01:02:03 GET /forged 200 1 ms 404 \d+ ms",
                        access_lines.lines[1]), access_lines.lines[1]
    [line] = job_lines.lines
    assert re.fullmatch(clock + r" job failed: run_periodic\('no-such-job'\) KeyError: 'no-such-job' "
                        r"at portal/jobs/scheduler\.py:\d+ in run_periodic \(job " + failed.id[:8] + r"\)", line), line


@pytest.mark.parametrize(("env", "log_format"), [
    ({}, "text"), ({"MAINTAINPRO_ENV": "production"}, "json"), ({"LOG_FORMAT": "json"}, "json"),
    ({"MAINTAINPRO_ENV": "production", "LOG_FORMAT": "Text"}, "text")])
def test_log_format_setting(monkeypatch, env, log_format):
    from portal.config import load_config

    monkeypatch.delenv("MAINTAINPRO_ENV", raising=False)
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert load_config()["LOG_FORMAT"] == log_format


def test_an_unknown_log_format_is_refused_at_start(monkeypatch):
    from portal.config import load_config

    monkeypatch.setenv("LOG_FORMAT", "yaml")
    with pytest.raises(ValueError, match="LOG_FORMAT must be json or text, not 'yaml'"):
        load_config()


def test_no_secret_in_any_response_or_log_line(app, client, caplog, access_lines):
    """Logins, token refresh, webhook registration with a secret and user creation with a TOTP
    secret: the secrets appear only in the one response that hands them out, never in a log line."""
    caplog.set_level(logging.DEBUG)
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True  # no DNS here: a loopback receiver address
    totp_secret = pyotp.random_base32()
    admin = auth_service.create_user("ops@north.example.com", PASSWORD, "admin", "North Plant",
                                     totp_secret=totp_secret)
    responses = []

    def call(method: str, path: str, **kwargs):
        r = client.open(path, method=method, **kwargs)
        responses.append(r.get_data(as_text=True) + "\n" + str(r.headers))
        return r

    call("POST", "/api/auth/login", json={"email": admin.email, "password": "not the password", "mfaToken": "000000"})
    login = call("POST", "/api/auth/login", json={"email": admin.email, "password": PASSWORD,
                                                  "mfaToken": pyotp.TOTP(totp_secret).now()})
    assert login.status_code == 200
    tokens = login.get_json()
    headers = {"Authorization": f"Bearer {tokens['token']}"}
    refreshed = call("POST", "/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code == 200
    webhook_secret = "whsec-" + pyotp.random_base32()
    created = call("POST", "/api/webhooks", headers=headers, json={
        "url": "http://127.0.0.1:9/maintainpro", "events": ["*"], "secret": webhook_secret})
    assert created.status_code == 201, created.get_json()
    call("GET", "/api/webhooks", headers=headers)
    call("GET", f"/api/webhooks/{created.get_json()['id']}", headers=headers)
    call("GET", "/api/auth/me", headers=headers)
    call("GET", "/api/admin/performance/summary", headers=headers)

    secrets = {"password": PASSWORD, "password hash": admin.password_hash, "totp secret": totp_secret,
               "access token": tokens["token"], "refresh token": tokens["refreshToken"],
               "refreshed token": refreshed.get_json()["token"], "webhook secret": webhook_secret}
    handed_out = {1: {"access token", "refresh token"}, 2: {"refreshed token"}, 3: {"webhook secret"}}
    for index, text in enumerate(responses):
        for name, value in secrets.items():
            if name not in handed_out.get(index, set()):
                assert value not in text, f"{name} in response {index}"
    log_lines = access_lines.lines + [record.getMessage() for record in caplog.records]
    assert len(access_lines.lines) == len(responses)
    for line in log_lines:
        for name, value in secrets.items():
            assert value not in line, f"{name} in log line {line!r}"


def test_oldest_pending_delivery_is_of_your_own_warehouse(app, client, auth):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    south = auth("south", "admin")
    assert client.post("/api/webhooks", headers=south, json={
        "url": "http://127.0.0.1:9/hook", "events": ["*"]}).status_code == 201
    assert client.post("/api/work-orders", headers=south, json={"title": "Replace the pump seal"}).status_code == 201
    summary = "/api/admin/performance/summary"
    assert client.get(summary, headers=south).get_json()["oldestPendingDeliveryAge"] >= 0
    assert client.get(summary, headers=auth("north", "admin")).get_json()["oldestPendingDeliveryAge"] is None
