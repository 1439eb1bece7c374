"""`flask --app wsgi jobs list` and `flask --app wsgi jobs run NAME [--now ISO]`."""
from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click
from flask import Flask
from flask.cli import AppGroup

from portal.jobs import load_all
from portal.jobs.registry import PERIODIC_JOBS


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter("expected an ISO-8601 time, e.g. 2026-01-31T08:00:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def register_jobs_cli(app: Flask) -> None:
    jobs = AppGroup("jobs", help="Periodic jobs: list them, or run one once, now, in this process.")

    @jobs.command("list")
    def list_jobs() -> None:
        """Name, interval and purpose of every periodic job."""
        load_all()
        for job in sorted(PERIODIC_JOBS.values(), key=lambda j: j.name):
            click.echo(f"{job.name:<14} every {job.interval:>5} s  {job.description}")

    @jobs.command("run")
    @click.argument("name")
    @click.option("--now", "now_text", default=None, help="Run as if it were this time (ISO-8601, UTC).")
    def run_job(name: str, now_text: str | None) -> None:
        """Run periodic job NAME once, now, and print its summary."""
        load_all()
        job = PERIODIC_JOBS.get(name)
        if job is None:
            click.echo(f"Error: no periodic job named {name!r}; known: {', '.join(sorted(PERIODIC_JOBS))}", err=True)
            sys.exit(2)
        result = job.func(_parse_now(now_text))
        click.echo(json.dumps({"job": name, "result": result}, default=str))

    app.cli.add_command(jobs)
