"""WSGI entry point: `gunicorn wsgi:app` in production, `flask --app wsgi ...` for the CLI."""
import gc

from portal import create_app

app = create_app()
# Everything loaded so far (modules, models, compiled validators) lives as long as the process:
# out of the collector's sight, a full collection scans the request's garbage instead of ~160,000
# long-lived objects (each one was a ~100 ms pause of a gunicorn worker, bench/README.md).
gc.collect()
gc.freeze()
