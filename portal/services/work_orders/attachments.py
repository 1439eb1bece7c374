"""Photos of a work order: checked by their bytes, decoded within a memory bound, re-encoded without
metadata, stored on disk.

- Only JPEG, PNG and WebP, recognised by Pillow from the bytes (the name and the declared type
  are ignored) and fully decoded (which proves it is an image).
- Decoding is bounded in memory. A photo is decoded at most at PHOTO_MAX_MEGAPIXELS (the portal and
  the API) or REPORT_PHOTO_MAX_MEGAPIXELS (the public problem report form): a larger JPEG is
  decoded reduced (1/2, 1/4 or 1/8 per side, libjpeg's own scaling) and stored at that size; a
  PNG or WebP cannot be decoded reduced, so one larger than its limit is refused from its header,
  before a byte of it is decoded. See header_limit() for what each format costs.
- One decode per upload (decode()): the problem report judges its photo once and stores that.
- Re-encoded with the orientation applied and without EXIF/XMP/text chunks, so a phone's GPS
  position never leaves the upload; a JPEG thumbnail (THUMB_SIZE) is made at the same time.
- Files are written under a temporary name, renamed inside the transaction and removed again if
  it fails: a row exists only with its files, and a file without a row (a crash between rename
  and commit) is never served, since every read goes through the row of the actor's warehouse.
Who may upload: as for comments (services/work_orders/comments.py). No webhook event (nothing of the work
order changes).

A sign-off signature (services/work_orders/signoff.py) is stored the same way, as an attachment of kind
"signature": check_signature() judges it (a PNG, bounded in bytes and pixels, not blank) and flattens
it onto white, so it prints as drawn.
"""
from __future__ import annotations

import io
import logging
import os
import re
import secrets
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
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
THUMB_SIZE = (320, 320)
NOT_AN_IMAGE = "Not a JPEG, PNG or WebP image"

# Pillow keeps an RGB, RGBA or CMYK pixel in 4 bytes (an L, P or 1 pixel in 1): the decoded size of
# an image of n pixels is at most 4n bytes.
BYTES_PER_PIXEL = 4
# What an upload may need while it is decoded, in decoded images of the largest size allowed: the
# image itself and one full copy (turned upright by its EXIF orientation).
IMAGES_IN_MEMORY = 2
# libwebp's animation decoder (the one Pillow decodes every WebP with) keeps two canvases of 4 bytes
# a pixel besides Pillow's image and the copy it is made from: ~16 bytes a pixel (bench/README.md, photos.py).
WEBP_BYTES_PER_PIXEL = 16
# A progressive JPEG keeps every DCT coefficient (2 bytes a sample) until its last scan, whatever the
# scale it is decoded at; a baseline JPEG is decoded a few rows at a time.
COEFFICIENT_BYTES = 2
# libjpeg decodes at 1/1, 1/2, 1/4 or 1/8 of each side.
JPEG_SCALES = (1, 2, 4, 8)


class PayloadTooLarge(DomainError):
    status = 413
    default_message = "File too large"


@dataclass(frozen=True)
class StoredFile:
    path: str
    content_type: str
    filename: str


@dataclass(frozen=True)
class Photo:
    """A judged photo, ready to store: re-encoded bytes without metadata, its JPEG thumbnail, its
    format and its stored size. The decoded image is gone by then (only the encoded bytes are kept)."""
    data: bytes
    thumb: bytes
    fmt: str
    width: int
    height: int


def upload_dir() -> str:
    return current_app.config["UPLOAD_DIR"]


def max_bytes() -> int:
    return int(current_app.config["UPLOAD_MAX_BYTES"])


def max_pixels(*, public: bool = False) -> int:
    """The largest image decoded for an upload, in pixels: PHOTO_MAX_MEGAPIXELS for the portal and the
    API, REPORT_PHOTO_MAX_MEGAPIXELS for the public problem report form (anyone holding a label)."""
    key = "REPORT_PHOTO_MAX_MEGAPIXELS" if public else "PHOTO_MAX_MEGAPIXELS"
    return max(1, int(float(current_app.config[key]) * 1_000_000))


def safe_filename(name: str | None, ext: str) -> str:
    """ASCII letters, digits, dot, dash and underscore only, with the extension of the real type."""
    stem = os.path.splitext(os.path.basename((name or "").replace("\\", "/")))[0]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:100] or "photo"
    return f"{stem}.{ext}"


def header_limit(fmt: str, *, progressive: bool, bands: int, limit: int) -> int:
    """The most pixels an image of this format may have in its header so that decoding it needs at
    most IMAGES_IN_MEMORY decoded images of `limit` pixels (BYTES_PER_PIXEL each):

    - PNG: decoded at full size (no reduced decode), so `limit` itself;
    - WebP: decoded at full size by a decoder that needs WEBP_BYTES_PER_PIXEL a pixel;
    - progressive JPEG: its coefficients (COEFFICIENT_BYTES × bands a pixel) plus the decoded image,
      counted at full size (the reduced decode saves little next to the coefficients);
    - baseline JPEG: decoded reduced to at most `limit` pixels, down to 1/8 of each side.
    """
    budget = IMAGES_IN_MEMORY * BYTES_PER_PIXEL * limit
    if fmt == "PNG":
        return limit
    if fmt == "WEBP":
        return budget // WEBP_BYTES_PER_PIXEL
    if progressive:
        return budget // (COEFFICIENT_BYTES * bands + BYTES_PER_PIXEL)
    return limit * JPEG_SCALES[-1] ** 2


def too_large(limit: int) -> DomainError:
    """The refusal people read (the portal, the report form) and the API returns on the field `file`."""
    megapixels = f"{limit / 1_000_000:.3g}"
    unit = "megapixel" if megapixels == "1" else "megapixels"
    return field_error("file", f"This photo is too large: at most {megapixels} {unit}")


def _jpeg_scale(width: int, height: int, limit: int) -> int | None:
    """The least reduction (1, 2, 4 or 8 per side) that brings a JPEG within `limit` pixels."""
    for scale in JPEG_SCALES:
        if -(-width // scale) * -(-height // scale) <= limit:
            return scale
    return None


def open_photo(data: bytes, limit: int) -> Image.Image:
    """The photo opened lazily (nothing decoded yet) and judged from its header: its format, and its
    size against header_limit(); a JPEG above `limit` pixels is set to decode reduced (Image.draft).
    400 for anything that is not a JPEG, PNG or WebP image, or one too large to decode within the bound."""
    try:
        with warnings.catch_warnings():
            # Pillow's own guard warns from 89 megapixels, before our per-format limits (which are lower
            # for everything but a baseline JPEG, which is decoded reduced); above twice that it raises.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except Image.DecompressionBombError:
        raise too_large(limit) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise field_error("file", NOT_AN_IMAGE) from None
    fmt = img.format or ""
    if fmt not in FORMATS:
        raise field_error("file", NOT_AN_IMAGE)
    progressive = bool(img.info.get("progressive") or img.info.get("progression"))
    allowed = header_limit(fmt, progressive=progressive, bands=len(img.getbands()), limit=limit)
    if img.width * img.height > allowed:  # read from the header: nothing decoded yet
        raise too_large(allowed)
    if fmt == "JPEG":
        scale = _jpeg_scale(img.width, img.height, limit)
        if scale is None:
            raise too_large(allowed)
        if scale > 1:
            img.draft(img.mode, (max(1, img.width // scale), max(1, img.height // scale)))
    if img.width * img.height > limit:  # the size it will decode at (after the draft)
        raise too_large(allowed)
    return img


def decode(img: Image.Image) -> Image.Image:
    """Decode an opened photo: the one place an upload's pixels are decoded (Image.load), once per
    upload. 400 when the data is not a whole image."""
    try:
        img.load()
    except (OSError, ValueError, SyntaxError, EOFError):
        raise field_error("file", NOT_AN_IMAGE) from None
    return img


def _upright(img: Image.Image) -> Image.Image:
    """Turned as the camera meant by its orientation tag, in place: no copy when there is nothing to
    turn (one transient copy when there is)."""
    try:
        ImageOps.exif_transpose(img, in_place=True)
    except (OSError, ValueError, SyntaxError, EOFError):
        raise field_error("file", NOT_AN_IMAGE) from None
    return img


def _encode(img: Image.Image, fmt: str) -> bytes:
    """Re-encode without any metadata (EXIF with GPS, XMP, ICC, PNG text chunks). Modes each format
    stores as they are are kept: a conversion would be one more full-size copy."""
    transparency = img.info.get("transparency") if fmt == "PNG" else None
    img.info = {} if transparency is None else {"transparency": transparency}
    out = io.BytesIO()
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L", "CMYK"):
            img = img.convert("RGB")
        img.save(out, "JPEG", quality=90, exif=b"")
    elif fmt == "PNG":
        if img.mode not in ("RGB", "RGBA", "L", "LA", "1", "P", "I;16"):
            img = img.convert("RGBA")
        img.save(out, "PNG", optimize=False)
    else:
        if img.mode not in ("RGB", "RGBA"):
            img = img.convert("RGBA")
        img.save(out, "WEBP", quality=90, exif=b"")
    return out.getvalue()


def _thumbnail(img: Image.Image) -> bytes:
    """A JPEG of at most THUMB_SIZE, resized from the image (never a full-size copy of it)."""
    scale = min(1.0, THUMB_SIZE[0] / img.width, THUMB_SIZE[1] / img.height)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    thumb = img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if thumb.mode in ("RGBA", "LA", "P") or "transparency" in thumb.info:
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


# A signature is drawn on a canvas of at most ~600 × 250 CSS pixels at a device pixel ratio of at most
# 2 (static/js/portal.js): far below these bounds, which keep a forged upload cheap to judge.
SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_SIDE = 3000
SIGNATURE_MAX_PIXELS = 3_000_000
# Ink: pixels darker than this once flattened onto white (a 0-255 grey level).
INK_LEVEL = 160
# A signature has at least this much ink (a short stroke of a 2 px pen is ~200 pixels); less is a
# blank pad or a stray tap.
SIGNATURE_MIN_INK = 150
NOT_A_SIGNATURE = "The signature is not a PNG image: sign again on the screen"


def check_signature(data: bytes | None) -> Photo:
    """A drawn signature judged: really a PNG (by its bytes), at most SIGNATURE_MAX_BYTES and
    SIGNATURE_MAX_SIDE × SIGNATURE_MAX_SIDE / SIGNATURE_MAX_PIXELS (from the header, before decoding),
    not blank; flattened onto white and re-encoded without metadata. 400 on field `file` otherwise."""
    if not data:
        raise field_error("file", "Sign in the box first")
    if len(data) > SIGNATURE_MAX_BYTES:
        raise field_error("file", f"The signature is too large: at most {SIGNATURE_MAX_BYTES // 1024} KiB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=["PNG"])
    except (Image.DecompressionBombError, UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise field_error("file", NOT_A_SIGNATURE) from None
    if img.format != "PNG":
        raise field_error("file", NOT_A_SIGNATURE)
    if (img.width > SIGNATURE_MAX_SIDE or img.height > SIGNATURE_MAX_SIDE
            or img.width * img.height > SIGNATURE_MAX_PIXELS):  # from the header: nothing decoded yet
        raise field_error("file", f"The signature is too large: at most {SIGNATURE_MAX_PIXELS // 1_000_000} "
                                  f"megapixels, {SIGNATURE_MAX_SIDE} pixels a side")
    img = decode(img)
    flat = Image.new("RGB", img.size, (255, 255, 255))
    rgba = img.convert("RGBA")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    grey = flat.convert("L")
    ink = sum(grey.histogram()[:INK_LEVEL])
    if ink < SIGNATURE_MIN_INK:
        raise field_error("file", "The signature is empty: sign in the box")
    return Photo(data=_encode(flat, "PNG"), thumb=_thumbnail(flat), fmt="PNG", width=flat.width, height=flat.height)


def remove_files(row: WorkOrderAttachment) -> None:
    """Remove the files of an attachment whose row is gone (a replaced signature), after the commit."""
    _remove(os.path.join(upload_dir(), row.storage_key), os.path.join(upload_dir(), row.thumb_key))


def list_attachments(actor: Actor, work_order_id: str, query: AttachmentQuery | None = None) -> Page:
    wo = get_work_order(actor, work_order_id)
    query = query or AttachmentQuery()
    stmt = (select(WorkOrderAttachment).where(WorkOrderAttachment.work_order_id == wo.id)
            .order_by(WorkOrderAttachment.created_at, WorkOrderAttachment.id))
    return paginate(stmt, query.page, query.limit)


def first_attachments(actor: Actor, wo: Any, limit: int) -> Page:
    """The first `limit` photos of a work order just read in the actor's warehouse (the work order
    page's; its signature is shown apart), with their total, in one statement instead of a second lookup and two."""
    require(actor, "work_orders.read")
    if wo.warehouse_id != actor.warehouse_id:
        raise NotFound("Work order not found")
    return first_page(select(WorkOrderAttachment).where(WorkOrderAttachment.work_order_id == wo.id,
                                                        WorkOrderAttachment.kind == "photo")
                      .order_by(WorkOrderAttachment.created_at, WorkOrderAttachment.id), limit)


def check_photo(data: bytes | None, *, public: bool = False) -> Photo:
    """The photo judged, decoded once within the bound of its form (max_pixels()) and re-encoded;
    400 for a missing file, one that is not a JPEG/PNG/WebP image or one too large to decode, 413
    above UPLOAD_MAX_BYTES. Callers that create something with the photo check first, then store
    this Photo (store_photo), so it is never decoded twice."""
    if not data:
        raise field_error("file", "Choose a photo to upload")
    if len(data) > max_bytes():
        raise PayloadTooLarge(f"File too large: at most {max_bytes()} bytes",
                              [{"field": "file", "message": f"At most {max_bytes() // (1024 * 1024)} MiB"}])
    img = open_photo(data, max_pixels(public=public))
    fmt = img.format or ""
    img = _upright(decode(img))
    return Photo(data=_encode(img, fmt), thumb=_thumbnail(img), fmt=fmt, width=img.width, height=img.height)


def add_attachment(actor: Actor, work_order_id: str, data: bytes | None, filename: str | None, *,
                   now: datetime | None = None) -> WorkOrderAttachment:
    """Store one photo of a work order; 400 for a missing file, one that is not a JPEG/PNG/WebP
    image or one too large to decode, 413 above UPLOAD_MAX_BYTES."""
    # Rights and the work order first: a refused user learns nothing from how the file is judged.
    check_contributor(actor, get_work_order(actor, work_order_id), "work_orders.attach")
    return store_photo(actor, work_order_id, check_photo(data), filename, now=now)


def store_photo(actor: Actor, work_order_id: str, photo: Photo, filename: str | None, *,
                now: datetime | None = None, kind: str = "photo", signer_name: str | None = None) -> WorkOrderAttachment:
    """Store a photo judged by check_photo() (its files, then its row, in one transaction); a
    signature (kind "signature", judged by check_signature()) with its signer's name."""
    now = now or utcnow()
    content_type, ext = FORMATS[photo.fmt]
    attachment_id = new_id()
    with placed_files(actor.warehouse_id, attachment_id, photo) as files, unit_of_work() as s:
        wo = get_work_order(actor, work_order_id)
        check_contributor(actor, wo, "work_orders.attach")
        row = WorkOrderAttachment(
            id=attachment_id, warehouse_id=wo.warehouse_id, work_order_id=wo.id, uploaded_by=actor.id,
            filename=safe_filename(filename, ext), content_type=content_type, size_bytes=len(photo.data),
            width=photo.width, height=photo.height, storage_key=files.storage_key, thumb_key=files.thumb_key,
            created_at=now, kind=kind, signer_name=signer_name)
        s.add(row)
        s.flush()
        files.place()
    return row


@dataclass(frozen=True)
class PlacedFiles:
    storage_key: str
    thumb_key: str
    temps: list[str]
    final: list[str]

    def place(self) -> None:
        """Give the files their final names: after the row is flushed, before the commit."""
        for temp, path in zip(self.temps, self.final, strict=True):
            os.replace(temp, path)


@contextmanager
def placed_files(warehouse_id: str, file_id: str, photo: Photo) -> Iterator[PlacedFiles]:
    """A judged photo's files for a row named `file_id` (a work order's attachment, a request's photo),
    written under temporary names; the caller adds its row inside the block and its transaction, then
    calls place() before the commit. If the block fails, every file is removed again: a row exists
    only with its files (a crash between place() and the commit leaves files no row names, never served)."""
    _, ext = FORMATS[photo.fmt]
    directory = os.path.join(upload_dir(), warehouse_id)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    storage_key = f"{warehouse_id}/{file_id}.{ext}"
    thumb_key = f"{warehouse_id}/{file_id}.thumb.jpg"
    final = [os.path.join(upload_dir(), storage_key), os.path.join(upload_dir(), thumb_key)]
    temps = [_write_temp(directory, photo.data), _write_temp(directory, photo.thumb)]
    try:
        yield PlacedFiles(storage_key, thumb_key, temps, final)
    except BaseException:
        _remove(*temps, *final)
        raise


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
