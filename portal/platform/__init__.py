"""Infrastructure only: database and transactions, Redis, cache, live-change counters, queue, HTTP
concerns, telemetry, rate limits. Knows no business rule.
"""
