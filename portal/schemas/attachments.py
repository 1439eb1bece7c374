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
    kind: Literal["photo", "signature"] = Field("photo", description=(
        "`signature`: the work order's sign-off signature (a PNG drawn on the screen, signerName set; "
        "see `GET /api/work-orders/{id}/signature`)"))
    signer_name: str | None = Field(None, description="Signatures only: the name of who signed")


class AttachmentFileQuery(Query):
    size: Literal["full", "thumb"] = Field("full", description=(
        "`thumb`: a JPEG at most 320 px on its longer side; `full`: the stored image"))


SIGNER_NAME_MAX_LENGTH = 120


class SignatureCreate(Payload):
    signer_name: str = Field(min_length=1, max_length=SIGNER_NAME_MAX_LENGTH, description=(
        "The name of the person who signed (the operator or production lead who accepts the work)"))


class SignatureOut(Out):
    id: str = Field(description="The attachment id: its bytes at GET .../attachments/{id}")
    work_order_id: str
    signer_name: str = Field(description="Who signed, as typed when signing")
    captured_by: str | None = Field(validation_alias="uploaded_by", description="The user who captured it")
    captured_by_name: str | None = Field(validation_alias="uploaded_by_name")
    signed_at: UtcOut = Field(validation_alias="created_at")
    content_type: Literal["image/png"]
    width: int
    height: int
