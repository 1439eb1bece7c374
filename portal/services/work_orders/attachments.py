"""Photos of a work order: checked by their bytes, re-encoded without metadata, stored on disk.

- Only JPEG, PNG and WebP, recognised by Pillow from the bytes (the name and the declared type
  are ignored), fully decoded (which proves it is an image), at most MAX_PIXELS pixels (a
  decompression bomb is refused before it is decoded).
- Re-encoded with the orientation applied and without EXIF/XMP/text chunks, so a phone's GPS
  position never leaves the upload; a JPEG thumbnail (THUMB_SIZE) is made at the same time.
- Files are written under a temporary name, renamed inside the transaction and removed again if
  it fails: a row exists only with its files, and a file without a row (a crash between rename
  and commit) is never served, since every read goes through the row of the actor's warehouse.
Who may upload: as for comments (services/work_orders/comments.py). No webhook event (nothing of the work
order changes).
"""
from __future__ import annotations

import io
import logging
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from portal.models import WorkOrderAttachment
from portal.models.types import new_id, utcnow
from portal.platform.database import unit_of_work
from portal.schemas.attachments import AttachmentQuery
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError, NotFound, field_error
from portal.services.common.querying import Page, first_page, paginate
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require
from portal.services.work_orders.comments import check_contributor
from portal.services.work_orders.lifecycle import get_work_order

log = logging.getLogger(__name__)

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
# 50 megapixels: above any tablet or phone camera; a bigger image is a bomb or not a photo.
MAX_PIXELS = 50_000_000
THUMB_SIZE = (320, 320)
NOT_AN_IMAGE = "Not a JPEG, PNG or WebP image"


class PayloadTooLarge(DomainError):
    status = 413
    default_message = "File too large"


@dataclass(frozen=True)
class StoredFile:
    path: str
    content_type: str
    filename: str


def upload_dir() -> str:
    return current_app.config["UPLOAD_DIR"]


def max_bytes() -> int:
    return int(current_app.config["UPLOAD_MAX_BYTES"])


def safe_filename(name: str | None, ext: str) -> str:
    """ASCII letters, digits, dot, dash and underscore only, with the extension of the real type."""
    stem = os.path.splitext(os.path.basename((name or "").replace("\\", "/")))[0]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:100] or "photo"
    return f"{stem}.{ext}"


def _decode(data: bytes) -> tuple[Image.Image, str]:
    """The decoded image, orientation applied, and its format; 400 for anything else."""
    too_big = field_error("file", f"Image too large: at most {MAX_PIXELS // 1_000_000} megapixels")
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard (a warning, an error at twice its limit) counts as too big too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=list(FORMATS))
            fmt = img.format or ""
            if img.width * img.height > MAX_PIXELS:  # read from the header: nothing decoded yet
                raise too_big
            img.load()
            img = ImageOps.exif_transpose(img)  # keep what the camera meant by its orientation tag
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_big from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise field_error("file", NOT_AN_IMAGE) from None
    if fmt not in FORMATS:
        raise field_error("file", NOT_AN_IMAGE)
    return img, fmt


def _encode(img: Image.Image, fmt: str) -> bytes:
    """Re-encode without any metadata (EXIF with GPS, XMP, ICC, PNG text chunks)."""
    img.info = {}
    out = io.BytesIO()
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L", "CMYK"):
            img = img.convert("RGB")
        img.save(out, "JPEG", quality=90, exif=b"")
    elif fmt == "PNG":
        if img.mode not in ("RGB", "RGBA", "L", "LA", "1"):
            img = img.convert("RGBA")
        img.save(out, "PNG", optimize=False)
    else:
        if img.mode not in ("RGB", "RGBA"):
            img = img.convert("RGBA")
        img.save(out, "WEBP", quality=90, exif=b"")
    return out.getvalue()


def _thumbnail(img: Image.Image) -> bytes:
    thumb = img.copy()
    thumb.thumbnail(THUMB_SIZE)
    if thumb.mode in ("RGBA", "LA", "P"):
        thumb = thumb.convert("RGBA")
        flat = Image.new("RGB", thumb.size, (255, 255, 255))
        flat.paste(thumb, mask=thumb.getchannel("A"))
        thumb = flat
    elif thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


def _write_temp(directory: str, data: bytes) -> str:
    path = os.path.join(directory, f".tmp-{secrets.token_hex(8)}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return path


def _remove(*paths: str) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError:
            log.exception("could not remove %s", path)


def list_attachments(actor: Actor, work_order_id: str, query: AttachmentQuery | None = None) -> Page:
    wo = get_work_order(actor, work_order_id)
    query = query or AttachmentQuery()
    stmt = (select(WorkOrderAttachment).where(WorkOrderAttachment.work_order_id == wo.id)
            .order_by(WorkOrderAttachment.created_at, WorkOrderAttachment.id))
    return paginate(stmt, query.page, query.limit)


def first_attachments(actor: Actor, wo: Any, limit: int) -> Page:
    """The first `limit` photos of a work order just read in the actor's warehouse (the work order
    page's), with their total, in one statement instead of a second lookup and two."""
    require(actor, "work_orders.read")
    if wo.warehouse_id != actor.warehouse_id:
        raise NotFound("Work order not found")
    return first_page(select(WorkOrderAttachment).where(WorkOrderAttachment.work_order_id == wo.id)
                      .order_by(WorkOrderAttachment.created_at, WorkOrderAttachment.id), limit)


def check_photo(data: bytes | None) -> tuple[Image.Image, str]:
    """The decoded photo and its format; 400 for a missing file or one that is not a JPEG/PNG/WebP
    image, 413 above UPLOAD_MAX_BYTES. Callers that create something with the photo check first."""
    if not data:
        raise field_error("file", "Choose a photo to upload")
    if len(data) > max_bytes():
        raise PayloadTooLarge(f"File too large: at most {max_bytes()} bytes",
                              [{"field": "file", "message": f"At most {max_bytes() // (1024 * 1024)} MiB"}])
    return _decode(data)


def add_attachment(actor: Actor, work_order_id: str, data: bytes | None, filename: str | None, *,
                   now: datetime | None = None) -> WorkOrderAttachment:
    """Store one photo of a work order; 400 for a missing file or one that is not a JPEG/PNG/WebP
    image, 413 above UPLOAD_MAX_BYTES."""
    now = now or utcnow()
    # Rights and the work order first: a refused user learns nothing from how the file is judged.
    check_contributor(actor, get_work_order(actor, work_order_id), "work_orders.attach")
    img, fmt = check_photo(data)
    content_type, ext = FORMATS[fmt]
    stored, thumb = _encode(img, fmt), _thumbnail(img)

    attachment_id = new_id()
    directory = os.path.join(upload_dir(), actor.warehouse_id)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    storage_key = f"{actor.warehouse_id}/{attachment_id}.{ext}"
    thumb_key = f"{actor.warehouse_id}/{attachment_id}.thumb.jpg"
    final = [os.path.join(upload_dir(), storage_key), os.path.join(upload_dir(), thumb_key)]
    temps = [_write_temp(directory, stored), _write_temp(directory, thumb)]
    try:
        with unit_of_work() as s:
            wo = get_work_order(actor, work_order_id)
            check_contributor(actor, wo, "work_orders.attach")
            row = WorkOrderAttachment(
                id=attachment_id, warehouse_id=wo.warehouse_id, work_order_id=wo.id, uploaded_by=actor.id,
                filename=safe_filename(filename, ext), content_type=content_type, size_bytes=len(stored),
                width=img.width, height=img.height, storage_key=storage_key, thumb_key=thumb_key, created_at=now)
            s.add(row)
            s.flush()
            for temp, path in zip(temps, final, strict=True):
                os.replace(temp, path)
    except BaseException:
        _remove(*temps, *final)
        raise
    return row


def get_attachment(actor: Actor, work_order_id: str, attachment_id: str) -> WorkOrderAttachment:
    wo = get_work_order(actor, work_order_id)
    row = get_in_warehouse(WorkOrderAttachment, attachment_id, actor, what="Attachment")
    if row.work_order_id != wo.id:
        raise NotFound("Attachment not found")
    return row


def open_attachment(actor: Actor, work_order_id: str, attachment_id: str, *, thumb: bool = False) -> StoredFile:
    """Where the bytes of one photo (or its thumbnail) are, for the same warehouse only."""
    row = get_attachment(actor, work_order_id, attachment_id)
    key = row.thumb_key if thumb else row.storage_key
    path = os.path.join(upload_dir(), key)
    if not os.path.isfile(path):
        log.error("attachment %s has no file at %s", row.id, path)
        raise NotFound("Attachment not found")
    if thumb:
        stem = os.path.splitext(row.filename)[0]
        return StoredFile(path, "image/jpeg", f"{stem}-thumb.jpg")
    return StoredFile(path, row.content_type, row.filename)
