"""The extra server cost of an Idempotency-Key on a write, beside the same write without one, in the
same run: POST /api/work-orders (a create) and PATCH /api/work-orders/{id} (a title change), each
with no key, with a new key per request (claim + record), and a repeat of a kept key (the replay).

    .venv/bin/python bench/idempotency.py [--requests 300] [--rounds 3]

In-process through Flask's test client (no network), so the figures are the server's own work per
request: the key costs two short transactions of its own (the claim before the work, the answer
after it) and a hash of the request. Prints ms per request (median of the rounds) and the ratios.
With DATABASE_URL set, runs on that PostgreSQL database (its tables are dropped: use a scratch one).
"""
from __future__ import annotations

import argparse
import statistics
import time
import uuid

import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    common.scratch_instance()
    common.quiet_request_log()

    from portal import create_app
    from portal.services.identity import auth as auth_service

    app = create_app(common.app_config(RATELIMIT_ENABLED=False))
    with app.app_context():
        backend = common.fresh_schema()
        manager = auth_service.create_user("manager@north.example", "correct horse battery", "manager", "North",
                                           name="Manager", mfa_confirmed=True)
        headers = {"Authorization": f"Bearer {common.bearer_token(manager.id)}"}
    client = app.test_client()
    target = client.post("/api/work-orders", json={"title": "Patched"}, headers=headers).get_json()["id"]

    def create(key: str | None) -> None:
        h = {**headers, "Idempotency-Key": key} if key else headers
        r = client.post("/api/work-orders", json={"title": "Pump P-101 leaking"}, headers=h)
        assert r.status_code == 201, r.get_json()

    def patch(key: str | None, n: int) -> None:
        h = {**headers, "Idempotency-Key": key} if key else headers
        r = client.patch(f"/api/work-orders/{target}", json={"title": f"Patched {n}"}, headers=h)
        assert r.status_code == 200, r.get_json()

    kept = str(uuid.uuid4())
    create(kept)  # the answer a repeat gets

    def per_request(call) -> float:
        started = time.perf_counter()
        for n in range(args.requests):
            call(n)
        return (time.perf_counter() - started) * 1000 / args.requests

    phases = {
        "POST, no key": lambda n: create(None),
        "POST, new key each": lambda n: create(str(uuid.uuid4())),
        "POST, repeated key (replay)": lambda n: create(kept),
        "PATCH, no key": lambda n: patch(None, n),
        "PATCH, new key each": lambda n: patch(str(uuid.uuid4()), n),
    }
    for call in phases.values():  # warm-up
        for n in range(20):
            call(n)
    results: dict[str, list[float]] = {name: [] for name in phases}
    for _ in range(args.rounds):
        for name, call in phases.items():
            results[name].append(per_request(call))
    ms = {name: statistics.median(values) for name, values in results.items()}
    print(f"Idempotency-Key cost on {backend}, {args.requests} requests x {args.rounds} rounds, in-process")
    for name, value in ms.items():
        print(f"  {name:32s} {value:7.2f} ms/request")
    print(f"  POST with a key / without:       {ms['POST, new key each'] / ms['POST, no key']:.2f}")
    print(f"  PATCH with a key / without:      {ms['PATCH, new key each'] / ms['PATCH, no key']:.2f}")
    print(f"  replay / POST without a key:     {ms['POST, repeated key (replay)'] / ms['POST, no key']:.2f}")


if __name__ == "__main__":
    main()
