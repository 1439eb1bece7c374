"""Request ids, logs, request figures kept in Redis, /healthz and /readyz."""
