"""CSV imports (POST/GET /api/imports) and the CSV exports' query parameters."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from portal.schemas.common import Out, PageQuery, Query, UtcOut

ImportKind = Literal["assets", "parts"]
ImportStatus = Literal["pending", "queued", "running", "done", "failed"]


class ImportUploadQuery(Query):
    kind: ImportKind | None = Field(None, description="assets or parts; required with a raw text/csv body "
                                                      "(a multipart upload may give it as a form field instead)")


class ImportRefusalOut(Out):
    line: int = Field(description="Line of the refused row in the file (the header is line 1)")
    reason: str = Field(description="Why: `field: message` for each problem, as the API would answer")


class ImportOut(Out):
    id: str
    kind: ImportKind
    status: ImportStatus = Field(description=(
        "pending (uploaded in the portal, awaiting its start after the preview), queued, running, done, or "
        "failed (see error)"))
    file_name: str
    total_rows: int = Field(description="Data rows in the file (blank lines not counted)")
    processed_rows: int = Field(description="Rows done so far: created + updated + unchanged + refused")
    created_count: int = Field(description="Rows that created an asset or part")
    updated_count: int = Field(description="Rows whose key (assetTag, partNumber) existed: updated with their "
                                           "non-empty cells")
    unchanged_count: int = Field(description="Rows whose key existed and whose non-empty cells held what it "
                                             "already had: nothing written, no event")
    refused_count: int = Field(description="Rows refused (nothing of them written); see refused")
    error: str | None = Field(description="Why a failed import stopped")
    attempts: int = Field(description="Runs started; more than 1 when a worker died and the import resumed")
    created_by: str
    created_at: UtcOut
    started_at: UtcOut | None
    finished_at: UtcOut | None
    file_purged_at: UtcOut | None = Field(description=(
        "When the uploaded file was removed (IMPORT_KEEP_DAYS after the import finished); refused.csv "
        "then answers 410, the refusals' lines and reasons stay"))
    warehouse_id: str


class ImportDetailOut(ImportOut):
    refused: list[ImportRefusalOut] = Field(
        default_factory=list, description="Every refused row, by line; also as CSV at /api/imports/{id}/refused.csv")


class ImportListQuery(PageQuery):
    pass
