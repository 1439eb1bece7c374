"""Flask-Login on AuthSession: the cookie names a session row, exactly like an API token does.

So logout, an admin's revocation, expiry and a deactivated user end portal and API access at once:
the loader goes through the same active-session check as the JWT blocklist.
"""
from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_login import UserMixin

from portal.models import User
from portal.platform.extensions import login_manager
from portal.services.identity import auth as auth_service

# The login (AuthSession id) this browser's session belongs to, kept under a key of our own beside
# Flask-Login's: the quiet live poll (live_poll.py) binds its tokens to it without loading the user.
LOGIN_KEY = "login"


class PortalUser(UserMixin):
    """The logged-in user as seen by a page; get_id() is the AuthSession id, not the user id."""

    def __init__(self, user: User, session_id: str):
        self.user = user
        self.session_id = session_id

    def get_id(self) -> str:
        return self.session_id

    def __getattr__(self, name: str):
        return getattr(self.user, name)


def init_login(app: Flask) -> None:
    login_manager.login_view = "web.login"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(session_id: str) -> PortalUser | None:
        user = auth_service.session_user(session_id)
        return PortalUser(user, session_id) if user is not None else None

    @login_manager.unauthorized_handler
    def _unauthorized():
        # Come back to the page asked for (only a local path: login.py checks it again).
        target = url_for("web.login", next=request.full_path) if request.path != "/" else url_for("web.login")
        if request.headers.get("HX-Request") == "true":
            # A fragment request cannot follow a redirect into a whole page: ask htmx to navigate.
            return "", 401, {"HX-Redirect": target}
        return redirect(target)
