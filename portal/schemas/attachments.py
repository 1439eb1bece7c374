"""Comments and photos of a work order (services/work_orders/comments.py, services/work_orders/attachments.py)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from portal.schemas.common import Out, PageQuery, Payload, Query, UtcOut

COMMENT_MAX_LENGTH = 4000


class CommentCreate(Payload):
    body: str = Field(min_length=1, max_length=COMMENT_MAX_LENGTH, description=(
        f"The message, 1 to {COMMENT_MAX_LENGTH} characters (surrounding whitespace is trimmed)."))
    visible_to_reporter: bool = Field(False, description=(
        "Show this comment to the person who reported the problem without an account, on their private "
        "status page (only on work orders from a problem report; false: the team only)."))


class CommentQuery(PageQuery):
    """Oldest first: a thread reads top-down."""


class CommentOut(Out):
    id: str
    work_order_id: str
    body: str
    author_id: str | None
    author_name: str | None = Field(description="The author's name, or email when no name is set")
    visible_to_reporter: bool = Field(False, description=(
        "Shown on the reporter's private status page (the text only: never the author's name)"))
    created_at: UtcOut


class AttachmentQuery(PageQuery):
    """Oldest first, like the thread."""


class AttachmentOut(Out):
    id: str
    work_order_id: str
    filename: str = Field(description="A safe ASCII version of the uploaded file's name")
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    size_bytes: int = Field(description="Size of the stored (re-encoded, metadata-free) image")
    width: int
    height: int
    uploaded_by: str | None
    uploaded_by_name: str | None
    created_at: UtcOut


class AttachmentFileQuery(Query):
    size: Literal["full", "thumb"] = Field("full", description=(
        "`thumb`: a JPEG at most 320 px on its longer side; `full`: the stored image"))
