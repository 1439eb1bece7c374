"""Log in (email, password, code), first-login authenticator enrolment, log out."""
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
from portal.web.blueprint import web
from portal.web.forms import form_model
from portal.web.rendering import render
from portal.web.session import PortalUser

ENROL_KEY = "enrol_user_id"


class LoginForm(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)
    code: str = Field("", max_length=12)


class CodeForm(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    code: str = Field(pattern=r"^\d{6}$", max_length=6)


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
                    # The password was right and there is no authenticator yet: set one up now.
                    user = db.session.scalars(db.select(User).where(User.email == form.email.lower())).one()
                    _fresh_session()
                    session[ENROL_KEY] = user.id
                    return redirect(url_for("web.enrol"))
                failed = auth_service.LOGIN_FAILED  # the same answer for every mistake
            else:
                _start(user, auth_session)
                flash("Logged in.", "success")
                return redirect(_safe_next(request.args.get("next")))
    status = 401 if failed else 200
    return render("web/login.html", status=status, failed=failed, errors=errors,
                  email=request.form.get("email", ""))


@web.route("/enrol", methods=["GET", "POST"])
@auth_form_limit
def enrol():
    user = db.session.get(User, session.get(ENROL_KEY) or "")
    if user is None or not auth_service.needs_enrolment(user):
        return redirect(url_for("web.login"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = form_model(CodeForm, request.form)
        if isinstance(form, dict):
            errors = {"code": "Enter the 6-digit code your authenticator app shows"}
        else:
            try:
                user, auth_session = auth_service.confirm_enrolment(user.id, form.code)
            except DomainError as exc:
                errors = {"code": exc.errors[0]["message"] if exc.errors else exc.message}
            else:
                _start(user, auth_session)
                flash("Authenticator set up. You are logged in.", "success")
                return redirect(url_for("web.my_work"))
    uri = auth_service.provisioning_uri(user)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", omitsize=False)
    return render("web/enrol.html", status=422 if errors else 200, errors=errors, qr_svg=qr_svg,
                  secret=user.totp_secret, email=user.email)


@web.post("/logout")
@login_required
def logout():
    auth_service.revoke_session(current_user.session_id)
    logout_user()
    _fresh_session()
    flash("Logged out.", "success")
    return redirect(url_for("web.login"))
