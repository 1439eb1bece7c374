"""gunicorn settings read automatically when gunicorn starts from the repository root.

Request limits are set on purpose (not gunicorn's defaults, whose request line stops at 4094 bytes):
the app answers long URLs itself with 414 in the API's error format from MAX_URL_BYTES (default
4096 bytes of path + query, portal/platform/http/security.py), so only a request line or a header beyond the
limits below gets gunicorn's own plain answer (414 for the request line, 431 for headers, since
gunicorn 27; 400 before). Keep MAX_URL_BYTES well below limit_request_line.
"""
limit_request_line = 8190  # bytes of "METHOD /path?query HTTP/1.1" (gunicorn's maximum)
limit_request_fields = 100  # headers per request
limit_request_field_size = 8190  # bytes per header line (a JWT in Authorization is ~400)
# Keep-alive (gthread; sync workers close every connection): a tablet polls its work order every
# 5 s (LIVE_POLL_SECONDS), so an idle connection is kept longer than that and the next poll reuses
# it instead of a new TCP connection. An idle connection waits in the worker's poller, not in a
# thread; `worker_connections` bounds them per worker (a plant of 1,250 tablets on 2 workers).
keepalive = 10
worker_connections = 2000


def post_fork(server, worker) -> None:
    """With --preload the app is built once in the master and its memory shared by the workers (the
    test servers and `make run` start so). Nothing opens a database connection while the app is built,
    but should one ever be pooled before the fork, a worker must not share it: forget it, unclosed."""
    if server.cfg.preload_app:
        from portal.platform.extensions import db
        from wsgi import app

        with app.app_context():
            db.engine.dispose(close=False)
