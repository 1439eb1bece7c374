"""Log in (email, password, code), authenticator enrolment (first login, or after an MFA reset with
the one-time enrolment code the admin handed over), log out."""
from __future__ import annotations

from urllib.parse import urlsplit

import segno
from flask import flash, g, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from pydantic import BaseModel, ConfigDict, Field

from portal.models import User
from portal.platform.extensions import auth_form_limit, db
from portal.services.common.errors import DomainError, Unauthorized
from portal.services.identity import auth as auth_service
from portal.services.identity import enrolment
from portal.web.blueprint import web
from portal.web.forms import form_model
from portal.web.rendering import render
from portal.web.session import LOGIN_KEY, PortalUser

ENROL_KEY = "enrol_user_id"
# The enrolment code's row id once checked (the code itself never sits in the cookie).
ENROL_CODE_KEY = "enrol_code_id"


class LoginForm(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)
    code: str = Field("", max_length=12)


class CodeForm(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    code: str = Field(pattern=r"^\d{6}$", max_length=6)


class EnrolmentCodeForm(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    enrolment_code: str = Field(alias="enrolmentCode", min_length=1, max_length=64)


def _safe_next(target: str | None) -> str:
    """Only a local path: ?next= must never send a fresh login to another site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("web.my_work")


def _fresh_session() -> None:
    """A new login never inherits the anonymous session (fixation); nor its cached CSRF token."""
    session.clear()
    g.pop("csrf_token", None)


def _start(user, auth_session) -> None:
    _fresh_session()
    login_user(PortalUser(user, auth_session.id))
    session[LOGIN_KEY] = auth_session.id


@web.route("/login", methods=["GET", "POST"])
@auth_form_limit
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.my_work"))
    errors: dict[str, str] = {}
    failed = None
    if request.method == "POST":
        form = form_model(LoginForm, request.form)
        if isinstance(form, dict):
            failed = auth_service.LOGIN_FAILED
        else:
            try:
                user, auth_session = auth_service.login(form.email, form.password, form.code)
            except Unauthorized as exc:
                if exc.message == auth_service.ENROL_FIRST:
                    # The password was right and there is no authenticator yet: set one up now. An
                    # enrolment code already checked from its link stays with the new session.
                    user = db.session.scalars(db.select(User).where(User.email == form.email.lower())).one()
                    code_id = session.get(ENROL_CODE_KEY)
                    _fresh_session()
                    session[ENROL_KEY] = user.id
                    if code_id:
                        session[ENROL_CODE_KEY] = code_id
                    return redirect(url_for("web.enrol"))
                failed = auth_service.LOGIN_FAILED  # the same answer for every mistake
            else:
                _start(user, auth_session)
                flash("Logged in.", "success")
                return redirect(_safe_next(request.args.get("next")))
    status = 401 if failed else 200
    return render("web/login.html", status=status, failed=failed, errors=errors,
                  email=request.form.get("email", ""), enrolling=bool(session.get(ENROL_CODE_KEY)))


def qr_svg(text: str) -> str:
    """A QR code as inline SVG that scales to its box: viewBox only (omitsize), so CSS sets the size
    and nothing is cropped; the 4-module quiet zone scanners need is drawn in white."""
    return segno.make(text, error="m").svg_inline(dark="#000", light="#fff", omitsize=True)


def _enrol_page(user: User, *, stage: str, errors: dict[str, str], status: int):
    uri = auth_service.provisioning_uri(user) if stage == "scan" else ""
    return render("web/enrol.html", status=status, stage=stage, errors=errors, email=user.email, uri=uri,
                  qr_svg=qr_svg(uri) if uri else "", secret=enrolment.group(user.totp_secret, sep=" ") if uri else "",
                  ttl_hours=enrolment.ttl_hours())


@web.get("/enrol/<code>")
def enrol_link(code: str):
    """The link an admin's MFA reset gives: checks the code, keeps its id in the session (the address
    bar loses the code), then the user logs in with their password and sets up the authenticator."""
    if current_user.is_authenticated:
        flash(f"You are logged in as {current_user.email}. Log out, then open the enrolment link again.", "error")
        return redirect(url_for("web.my_work"), 303)
    enrolling = db.session.get(User, session.get(ENROL_KEY) or "")
    try:
        row = enrolment.check(code, user_id=enrolling.id if enrolling else None)
    except DomainError as exc:
        flash(exc.errors[0]["message"], "error")
        return redirect(url_for("web.enrol" if enrolling else "web.login"), 303)
    session[ENROL_CODE_KEY] = row.id
    if enrolling:
        return redirect(url_for("web.enrol"), 303)
    flash("Enrolment code accepted. Log in with your email and password to set up your new authenticator.", "success")
    return redirect(url_for("web.login"), 303)


@web.route("/enrol", methods=["GET", "POST"])
@auth_form_limit
def enrol():
    user = db.session.get(User, session.get(ENROL_KEY) or "")
    if user is None or not auth_service.needs_enrolment(user):
        return redirect(url_for("web.login"))
    errors: dict[str, str] = {}
    # After an MFA reset the QR code and key are shown only once the admin's enrolment code was given.
    problem = enrolment.held(session.get(ENROL_CODE_KEY), user.id) if enrolment.required(user) else None
    if problem is not None:
        message = problem.errors[0]["message"]
        if message != enrolment.MISSING:
            errors[enrolment.FIELD] = message  # used, replaced or expired since it was given
        if request.method == "POST" and enrolment.FIELD in request.form:
            form = form_model(EnrolmentCodeForm, request.form)
            if isinstance(form, dict):
                errors = {enrolment.FIELD: "Enter the enrolment code your admin gave you"}
            else:
                try:
                    row = enrolment.check(form.enrolment_code, user_id=user.id)
                except DomainError as exc:
                    errors = {enrolment.FIELD: exc.errors[0]["message"]}
                else:
                    session[ENROL_CODE_KEY] = row.id
                    return redirect(url_for("web.enrol"), 303)
        return _enrol_page(user, stage="code", errors=errors, status=422 if errors else 200)
    if request.method == "POST":
        form = form_model(CodeForm, request.form)
        if isinstance(form, dict):
            errors = {"code": "Enter the 6-digit code your authenticator app shows"}
        else:
            try:
                user, auth_session = auth_service.confirm_enrolment(
                    user.id, form.code, enrolment_code_id=session.get(ENROL_CODE_KEY))
            except DomainError as exc:
                err = exc.errors[0] if exc.errors else {"field": "code", "message": exc.message}
                if err["field"] == enrolment.FIELD:  # the code was spent or expired meanwhile
                    return _enrol_page(user, stage="code", errors={enrolment.FIELD: err["message"]}, status=422)
                errors = {"code": err["message"]}
            else:
                _start(user, auth_session)
                flash("Authenticator set up. You are logged in.", "success")
                return redirect(url_for("web.my_work"))
    return _enrol_page(user, stage="scan", errors=errors, status=422 if errors else 200)


@web.post("/logout")
@login_required
def logout():
    auth_service.revoke_session(current_user.session_id)
    logout_user()
    _fresh_session()
    flash("Logged out.", "success")
    return redirect(url_for("web.login"))
