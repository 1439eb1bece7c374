"""RQ tasks, by domain. Tasks call services; they never import views."""
from __future__ import annotations

QUEUES = ["webhooks", "default"]
