"""Comments, photos and the sign-off signature of a work order: /api/work-orders/{id}/comments,
.../attachments and .../signature."""
from __future__ import annotations

from flask import jsonify, request

from portal.api.blueprint import api
from portal.api.common import UnsupportedMediaType, actor, documented, json_body, page_response, parse_model, query_args
from portal.platform.http.security import body_limit
from portal.platform.http.serving import send_stored
from portal.schemas.attachments import (
    AttachmentFileQuery,
    AttachmentOut,
    AttachmentQuery,
    CommentCreate,
    CommentOut,
    CommentQuery,
    SignatureCreate,
    SignatureOut,
)
from portal.services.common.errors import field_error
from portal.services.work_orders import attachments as attachment_service
from portal.services.work_orders import comments as comment_service
from portal.services.work_orders import signoff as signoff_service


@api.get("/work-orders/<work_order_id>/comments")
@documented(summary="The comment thread of a work order", query=CommentQuery, response=list[CommentOut],
            description="Oldest first; paged like every list (X-Total-Count, Link).")
def list_work_order_comments(work_order_id: str):
    page = comment_service.list_comments(actor(), work_order_id, query_args(CommentQuery))
    return page_response(page, CommentOut.dump_many(page.items))


@api.post("/work-orders/<work_order_id>/comments")
@documented(summary="Add a comment to a work order", body=CommentCreate, response=CommentOut, status=201,
            permission="work_orders.comment",
            description="Requesters only on the work orders they requested. Open and closed work orders alike. "
                        "Sends no webhook: a comment does not modify the work order.")
def add_work_order_comment(work_order_id: str):
    comment = comment_service.add_comment(actor(), work_order_id, json_body(CommentCreate))
    return jsonify(CommentOut.dump(comment)), 201


@api.get("/work-orders/<work_order_id>/attachments")
@documented(summary="The photos of a work order", query=AttachmentQuery, response=list[AttachmentOut],
            description="Oldest first; paged like every list. The bytes: GET .../attachments/{attachmentId}. "
                        "The sign-off signature, once given, is listed too, with kind `signature`.")
def list_work_order_attachments(work_order_id: str):
    page = attachment_service.list_attachments(actor(), work_order_id, query_args(AttachmentQuery))
    return page_response(page, AttachmentOut.dump_many(page.items))


UPLOAD_DESCRIPTION = (
    "multipart/form-data with one part named `file`: a JPEG, PNG or WebP image, recognised by its bytes "
    "(the file name and declared type are ignored; anything else answers 400 on field `file`), at most "
    "UPLOAD_MAX_BYTES (default 10 MiB; 413 above, this route's body limit instead of MAX_BODY_BYTES). It is "
    "decoded at most at PHOTO_MAX_MEGAPIXELS (default 3.2): a larger JPEG is decoded and stored reduced (1/2, "
    "1/4 or 1/8 of each side); a larger PNG, or a WebP or progressive JPEG above what its decoding costs, "
    "answers 400 on field `file` (\"This photo is too large: at most N megapixels\"). "
    "The image is stored re-encoded in its own format with the EXIF orientation applied and "
    "every metadata block removed (EXIF with GPS position, XMP, text chunks); a JPEG thumbnail of at most "
    "320 px is made with it. Requesters only on the work orders they requested. Sends no webhook.")


@api.post("/work-orders/<work_order_id>/attachments")
@body_limit("UPLOAD_MAX_BYTES")
@documented(summary="Attach a photo to a work order", response=AttachmentOut, status=201,
            permission="work_orders.attach", description=UPLOAD_DESCRIPTION,
            request_content={"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream",
                                        "description": "The photo (JPEG, PNG or WebP)"}}}}},
            other_responses={413: "File larger than UPLOAD_MAX_BYTES (default 10 MiB)",
                             415: "Body is not multipart/form-data"})
def add_work_order_attachment(work_order_id: str):
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(None, [{"field": "Content-Type",
                                           "message": "Send the photo as multipart/form-data, field `file`"}])
    upload = request.files.get("file")
    if upload is None:
        raise field_error("file", "Field required: a multipart part named `file`")
    row = attachment_service.add_attachment(actor(), work_order_id, upload.read(), upload.filename)
    return jsonify(AttachmentOut.dump(row)), 201


@api.get("/work-orders/<work_order_id>/attachments/<attachment_id>")
@documented(summary="The bytes of one photo (or its thumbnail)", query=AttachmentFileQuery,
            description="Content-Type is the stored image's (the thumbnail is always image/jpeg); "
                        "Content-Disposition inline with a safe name; Cache-Control private.",
            response_content={"image/jpeg": {"schema": {"type": "string", "contentMediaType": "image/jpeg"}},
                              "image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}},
                              "image/webp": {"schema": {"type": "string", "contentMediaType": "image/webp"}}})
def get_work_order_attachment(work_order_id: str, attachment_id: str):
    query = query_args(AttachmentFileQuery)
    stored = attachment_service.open_attachment(actor(), work_order_id, attachment_id, thumb=query.size == "thumb")
    return send_stored(stored)


@api.get("/work-orders/<work_order_id>/signature")
@documented(summary="The sign-off signature of a work order", response=SignatureOut,
            description="Who signed, who captured it and when; the PNG: GET .../attachments/{id}. 404 while "
                        "the work order has none.")
def get_work_order_signature(work_order_id: str):
    return jsonify(SignatureOut.dump(signoff_service.require_signature(actor(), work_order_id)))


SIGNATURE_DESCRIPTION = (
    "multipart/form-data with a part `file`, the PNG drawn on the screen (a canvas's toBlob/toDataURL), and a "
    "field `signerName`, the name of who signs (1 to 120 characters). The PNG is recognised by its bytes; "
    "anything else, one above 512 KiB, above 3000 pixels a side or 3 megapixels, or a blank one answers 400 on "
    "field `file`. It is stored flattened onto white, without metadata, as an attachment of kind `signature` "
    "and replaces the work order's previous signature. Staff, or the technician the work order is assigned "
    "to. 409 once the work order is completed or cancelled: its signature is read-only then. A work order "
    "with requiresSignature cannot be completed before it is signed (409 on field `signature`). Sends "
    "work_order.signed.")


@api.post("/work-orders/<work_order_id>/signature")
@body_limit("UPLOAD_MAX_BYTES")
@documented(summary="Sign off a work order", response=SignatureOut, status=201,
            permission="work_orders.update", description=SIGNATURE_DESCRIPTION,
            request_content={"multipart/form-data": {"schema": {
                "type": "object", "required": ["file", "signerName"],
                "properties": {"file": {"type": "string", "contentMediaType": "image/png",
                                        "description": "The drawn signature (PNG)"},
                               "signerName": {"type": "string", "minLength": 1, "maxLength": 120,
                                              "description": "Who signed"}}}}},
            other_responses={409: "The work order is completed or cancelled",
                             415: "Body is not multipart/form-data"})
def sign_work_order(work_order_id: str):
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(None, [{"field": "Content-Type",
                                           "message": "Send the signature as multipart/form-data, fields `file` "
                                                      "and `signerName`"}])
    data = parse_model(SignatureCreate, {"signerName": request.form.get("signerName")})
    upload = request.files.get("file")
    row = signoff_service.sign(actor(), work_order_id, data, upload.read() if upload else None)
    return jsonify(SignatureOut.dump(row)), 201
