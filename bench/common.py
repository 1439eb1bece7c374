"""What every bench script sets up the same way: a scratch instance directory, the app on a scratch
database (SQLite unless DATABASE_URL is set), the schema from the migrations, a signed-in user,
timing helpers, and gunicorn on a free port.

Imported by each script before portal (`import common`, which works because Python puts bench/ on sys.path
for `python bench/x.py`): importing it puts the checkout and tests/ on sys.path, so the scripts can
import portal and the test helpers (tests/live_server.py, tests/receiver.py) they drive.
"""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT / "tests", ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

# Light argon2 for the bench users: the scripts measure requests, not password hashing (login_timing.py
# passes the production parameters on purpose).
FAST_HASHING = {"ARGON2_MEMORY_KIB": 1024, "ARGON2_TIME_COST": 1}


def scratch_instance(prefix: str = "maintainpro-bench-") -> Path:
    """A fresh MAINTAINPRO_INSTANCE for this run (the SQLite file, the embedded Redis, logs), removed
    at exit together with the embedded Redis it started.

    Always a new directory, never one named in the environment: a bench empties its Redis database
    and drops its tables, which must not touch a real instance. Forked children (multiprocessing)
    leave through os._exit, so only this process cleans up."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["MAINTAINPRO_INSTANCE"] = str(path)

    def clean_up() -> None:
        from portal.platform.redis import stop_embedded_redis

        stop_embedded_redis()
        shutil.rmtree(path, ignore_errors=True)

    atexit.register(clean_up)
    return path


def failed(message: str, log_name: str) -> SystemExit:
    """The exit of a run whose servers or workers misbehaved, with the end of their log: the scratch
    directory that holds the log is removed at exit."""
    path = Path(os.environ["MAINTAINPRO_INSTANCE"]) / log_name
    tail = path.read_text(errors="replace").splitlines()[-30:] if path.exists() else ["(no log)"]
    return SystemExit(f"{message}\n--- the end of {log_name} ---\n" + "\n".join(tail))


def quiet_request_log() -> None:
    """No JSON line per request on stderr: the scripts measure the work, not the terminal."""
    import logging

    logging.getLogger("maintainpro.access").disabled = True


def app_config(**overrides: Any) -> dict[str, Any]:
    """create_app()'s config for a bench: light hashing, and the scratch instance's SQLite file unless
    DATABASE_URL names another database (whose tables the bench then DROPS: point it at a scratch one)."""
    config: dict[str, Any] = dict(FAST_HASHING)
    if not os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{os.environ['MAINTAINPRO_INSTANCE']}/bench.db"
    config.update(overrides)
    return config


def fresh_schema() -> str:
    """Drop every table and build the real schema from migrations/ (inside an app context); returns the
    backend's name ("sqlite", "postgresql"). drop_all() leaves Alembic's own table behind, so it goes too."""
    import flask_migrate
    from flask import current_app
    from sqlalchemy import text

    from portal.platform.extensions import db, migrate

    migrate.bind(current_app)  # Flask-Migrate is bound when a migration runs (platform/extensions.py)
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    flask_migrate.upgrade(directory=str(ROOT / "migrations"))
    return db.engine.dialect.name


def analyze() -> None:
    """Planner statistics after a bulk load, as autovacuum / a long-running SQLite would have them
    (PostgreSQL: VACUUM ANALYZE outside a transaction, so the counts can be index-only scans)."""
    from sqlalchemy import text

    from portal.platform.extensions import db

    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def bearer_token(user_id: str, hours: float = 2) -> str:
    """An access token of a new session of `user_id`, as the login route would issue (without the
    password and TOTP round trip), valid for `hours`. Inside an app context."""
    from flask_jwt_extended import create_access_token

    from portal.models import AuthSession
    from portal.models.types import utcnow
    from portal.platform.extensions import db

    session = AuthSession(user_id=user_id, expires_at=utcnow() + timedelta(hours=hours))
    db.session.add(session)
    db.session.commit()
    return create_access_token(identity=user_id, additional_claims={"sid": session.id},
                               expires_delta=timedelta(hours=hours))


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    """The median wall time of `repeat` calls, in ms (the caller warms up first)."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def mean_ms(fn: Callable[[], object], n: int) -> float:
    """The mean wall time of `n` calls after one warm-up call, in ms (for calls far below a millisecond,
    where timing each one would measure the clock)."""
    fn()
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) * 1000 / n


def cpu_seconds(procs: list) -> float:
    """User + system CPU seconds of these psutil processes so far (those gone since are skipped)."""
    import psutil

    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            continue
    return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn(app_path: str, port: int, env: dict[str, str] | None = None, chdir: Path = ROOT,
             workers: int = 2) -> subprocess.Popen:
    """`gunicorn -w 2` (sync workers, as in production) serving `app_path` on 127.0.0.1:`port`, once it
    accepts connections. Its output goes to gunicorn-<port>.log in the instance directory."""
    here = Path(sys.executable).parent
    binary = here / "gunicorn" if (here / "gunicorn").exists() else ROOT / ".venv" / "bin" / "gunicorn"
    log_name = f"gunicorn-{port}.log"
    log = open(Path(os.environ["MAINTAINPRO_INSTANCE"]) / log_name, "ab")  # noqa: SIM115 (the child keeps it)
    proc = subprocess.Popen([str(binary), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--chdir", str(chdir), app_path],
                            cwd=ROOT, env=env if env is not None else dict(os.environ), stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise failed(f"gunicorn {app_path} did not start", log_name)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM (gunicorn's graceful stop, a worker's warm shutdown) and wait."""
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
