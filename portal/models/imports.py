"""CSV imports of assets and parts: the job (file, progress, counters) and its refused rows."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.types import UTCDateTime, id_column, utcnow
from portal.platform.extensions import db

IMPORT_KINDS = ("assets", "parts")
# pending: uploaded, waiting for "Start import" (the portal's preview); queued: on the RQ queue;
# running: a worker holds the lease; done / failed: finished (failed: the file could not be run at all).
IMPORT_STATUSES = ("pending", "queued", "running", "done", "failed")


class ImportJob(db.Model):
    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_warehouse_created", "warehouse_id", "created_at"),)
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    file_name: Mapped[str] = mapped_column(String(255))
    # The uploaded bytes, in the row so a worker on another host reads the same file (bounded by
    # MAX_IMPORT_BYTES). Deferred: lists and progress polls never load it.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    # The file line of the last row whose batch committed: a resumed run starts after it.
    last_line: Mapped[int] = mapped_column(Integer, default=1)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    refused_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # Runs started (a worker that died mid-way leaves its lease behind; the sweep starts another).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The file (content) of a finished import is emptied IMPORT_KEEP_DAYS after it finished.
    file_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportRefusal(db.Model):
    """A row the import refused: its line in the file and why (written in the batch's transaction)."""

    __tablename__ = "import_refusals"
    __table_args__ = (Index("ix_import_refusals_import_line", "import_id", "line"),)
    id: Mapped[str] = id_column()
    import_id: Mapped[str] = mapped_column(ForeignKey("import_jobs.id"))
    line: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
