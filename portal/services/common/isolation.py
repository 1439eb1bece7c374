"""Periodic jobs process their rows one by one: a row that fails (corrupt data written around
the services, a bug hit by one warehouse's data) is logged and counted, and the others still run.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from portal.platform.extensions import db

log = logging.getLogger("portal.jobs")
T = TypeVar("T")


def each_isolated(job: str, items: Iterable[T], run: Callable[[T], None], summary: dict,
                  describe: Callable[[T], str] = str) -> None:
    """Call run(item) for every item; an exception rolls back that item's transaction, is
    logged with the item, and adds 1 to summary["failed"] (set to 0 up front, so a job's result
    always says how many failed)."""
    summary.setdefault("failed", 0)
    for item in items:
        try:
            run(item)
        except Exception:  # noqa: BLE001 - one bad row must not stop the job for every warehouse
            db.session.rollback()
            summary["failed"] += 1
            log.exception("periodic job %s: %s failed; skipped, the others still run", job, describe(item))
