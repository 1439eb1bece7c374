"""RQ tasks, by domain. Tasks call services; they never import views."""
from __future__ import annotations

import importlib
import importlib.util

from portal.platform.queue import QUEUES

__all__ = ["JOB_MODULES", "QUEUES", "load_all"]
# Every domain's jobs module; each registers its periodic jobs with @periodic on import.
JOB_MODULES = ["webhooks", "inventory", "work_orders", "pm", "imports", "idempotency", "notifications"]


def load_all() -> None:
    """Import the jobs modules of all domains (a domain not built yet is skipped)."""
    for name in JOB_MODULES:
        if importlib.util.find_spec(f"{__name__}.{name}") is not None:
            importlib.import_module(f"{__name__}.{name}")
