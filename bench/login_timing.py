"""Time failed logins by kind: the answer must not tell which factor was wrong, nor must its time.

    .venv/bin/python bench/login_timing.py [--rounds 15]     # SQLite in a temporary directory

Uses the production argon2 parameters (config.py). Prints, for each kind of failure, the median
and spread of POST /api/auth/login over interleaved rounds, and the status each answered.
"""
from __future__ import annotations

import argparse
import statistics
import time

import common
import pyotp

from portal import create_app
from portal.platform.extensions import db
from portal.services.identity import auth as auth_service

PASSWORD = "bench password 1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    scratch = common.scratch_instance()
    common.quiet_request_log()
    # SQLite whatever DATABASE_URL says, no Redis (nothing here needs it), the production argon2
    # parameters (what an attacker would time) and no rate limit: 5 logins a minute per address would
    # answer 429 from the sixth on, in a fraction of the time, and hide what is measured.
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch}/bench.db", "REDIS_URL": "redis://127.0.0.1:1/0",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        user = auth_service.create_user("fitter@bench.example.com", PASSWORD, "technician", "Bench Plant")
        secret, email = user.totp_secret, user.email
    client = app.test_client()
    code = pyotp.TOTP(secret).now()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    kinds = {
        "unknown email": {"email": "nobody@bench.example.com", "password": PASSWORD, "mfaToken": code},
        "wrong password": {"email": email, "password": "not the password", "mfaToken": code},
        "right password, wrong code": {"email": email, "password": PASSWORD, "mfaToken": wrong},
        "right password, no code": {"email": email, "password": PASSWORD},
        "right password, full-width code": {"email": email, "password": PASSWORD, "mfaToken": full_width},
        "right password, 'é' code": {"email": email, "password": PASSWORD, "mfaToken": "é" + code[1:]},
    }
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    statuses: dict[str, set[int]] = {kind: set() for kind in kinds}
    client.post("/api/auth/login", json=kinds["unknown email"])  # warm-up (the dummy hash is made once)
    for _ in range(args.rounds):
        for kind, body in kinds.items():  # interleaved, so drift hits every kind alike
            started = time.perf_counter()
            answer = client.post("/api/auth/login", json=body)
            times[kind].append((time.perf_counter() - started) * 1000)
            statuses[kind].add(answer.status_code)
    print(f"POST /api/auth/login failures, {args.rounds} rounds, argon2id "
          f"m={app.config['ARGON2_MEMORY_KIB']} KiB t={app.config['ARGON2_TIME_COST']}")
    for kind, values in times.items():
        q = statistics.quantiles(values, n=4)
        print(f"  {kind:<34} median {statistics.median(values):7.1f} ms   "
              f"IQR {q[0]:6.1f}-{q[2]:6.1f} ms   status {sorted(statuses[kind])}")


if __name__ == "__main__":
    main()
