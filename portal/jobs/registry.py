"""The periodic jobs: one registry, read by the RQ cron scheduler and by `flask jobs run NAME`.

Each job is a plain function taking `now` (so tests can simulate dates) and returning a small
summary dict. Domains register theirs with @periodic in their own jobs module.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable[[datetime | None], dict]
    interval: int  # seconds between runs under the RQ cron scheduler
    description: str


PERIODIC_JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, *, interval: int, description: str) -> Callable:
    def register(func: Callable[[datetime | None], dict]) -> Callable[[datetime | None], dict]:
        PERIODIC_JOBS[name] = PeriodicJob(name=name, func=func, interval=interval, description=description)
        return func

    return register
