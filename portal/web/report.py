"""/report/<token>: a phone-sized public page to report a problem on an asset without an account.

Off unless the warehouse turned it on (404, as for an unknown or rotated token); CSRF-protected;
bodies bounded (UPLOAD_MAX_BYTES, for the optional photo); POSTs rate-limited per client address
(RATELIMIT_REPORT_IP) and per asset token (RATELIMIT_REPORT_ASSET), counted in Redis.

The thank-you page hands out, once, the reporter's private status link /report/status/<token>
(services/work_orders/report_status.py): public, no login, views rate-limited per client address
(RATELIMIT_REPORT_STATUS_IP); a wrong or expired token is a 404 page written for the reporter.
"""
from __future__ import annotations

from flask import current_app, request, url_for
from flask_limiter.util import get_remote_address

from portal.platform.extensions import limiter
from portal.platform.http.security import body_limit
from portal.platform.http.urls import absolute_url
from portal.schemas.warehouse import ProblemReportCreate
from portal.services.common.errors import DomainError, NotFound
from portal.services.work_orders import problem_reports, report_status
from portal.web.blueprint import web
from portal.web.forms import form_model
from portal.web.login import qr_svg
from portal.web.rendering import render


def _ip_limit() -> str:
    return current_app.config.get("RATELIMIT_REPORT_IP", "10/hour")


def _asset_limit() -> str:
    return current_app.config.get("RATELIMIT_REPORT_ASSET", "30/hour")


def _status_limit() -> str:
    return current_app.config.get("RATELIMIT_REPORT_STATUS_IP", "60/hour")


def _asset_key() -> str:
    return "report-asset:" + str((request.view_args or {}).get("token", ""))[:64]


@web.route("/report/<token>", methods=["GET", "POST"])
@limiter.limit(_ip_limit, key_func=lambda: "report-ip:" + (get_remote_address() or ""), methods=["POST"])
@limiter.limit(_asset_limit, key_func=_asset_key, methods=["POST"])
@body_limit("UPLOAD_MAX_BYTES")  # the optional photo; the text fields are bounded by the schema
def report(token: str):
    eq = problem_reports.asset_for_report(token)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = form_model(ProblemReportCreate, request.form)
        if isinstance(form, dict):
            errors = form
        else:
            try:
                upload = request.files.get("photo")
                photo = upload.read() if upload and upload.filename else None
                done = problem_reports.submit_report(token, form, photo=photo,
                                                     photo_name=upload.filename if upload else None)
            except DomainError as exc:
                if exc.status == 404:
                    raise
                # The photo service names its field "file"; on this form it is "photo".
                errors = {("photo" if e.get("field") == "file" else e.get("field") or "description"): e.get("message")
                          for e in exc.errors} or {"description": exc.message}
            else:
                link = absolute_url(url_for("web.report_status_page", token=done.status_token))
                resp = render("report/done.html", asset=eq, work_order=done.work_order, status_link=link,
                              status_qr=qr_svg(link), keep_days=report_status.keep_days(),
                              email=form.reporter_email)
                resp.headers["Referrer-Policy"] = "no-referrer"  # the link is a secret
                return resp
    return render("report/form.html", status=422 if errors else 200, asset=eq, errors=errors,
                  form=request.form)


@web.get("/report/status/<token>")
@limiter.limit(_status_limit, key_func=lambda: "report-status-ip:" + (get_remote_address() or ""))
def report_status_page(token: str):
    try:
        status = report_status.status_for(token)
    except report_status.StatusLinkExpired as exc:
        resp = render("report/status_missing.html", status=404, expired=True, report_token=exc.report_token,
                      keep_days=report_status.keep_days())
    except NotFound:
        resp = render("report/status_missing.html", status=404, expired=False, report_token=None,
                      keep_days=report_status.keep_days())
    else:
        resp = render("report/status.html", s=status)
    resp.headers["Referrer-Policy"] = "no-referrer"  # the page's address is the reporter's secret
    return resp
