"""CSV import jobs: one RQ job per import (queue `imports`), the sweep that resumes imports whose
worker died (lease run out) or that never reached the queue, and the purge of old imports' files."""
from __future__ import annotations

from datetime import datetime

from portal.jobs.registry import periodic
from portal.jobs.scheduler import job_app
from portal.services.data_exchange import import_runs


def run_import(import_id: str) -> dict:
    """RQ job (id import-<id>): write the import's rows from its last committed batch on."""
    with job_app():
        return import_runs.run(import_id)


@periodic("import-purge", interval=24 * 3600,
          description="Empty the stored file of CSV imports finished more than IMPORT_KEEP_DAYS ago")
def import_purge(now: datetime | None = None) -> dict:
    return import_runs.purge_files(now)


@periodic("import-sweep", interval=30,
          description="Resume CSV imports whose worker died (lease run out) or that never reached the queue")
def import_sweep(now: datetime | None = None) -> dict:
    return import_runs.sweep(now)
