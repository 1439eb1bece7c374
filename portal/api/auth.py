from __future__ import annotations

from datetime import timedelta

from flask import current_app, jsonify
from flask_jwt_extended import create_access_token, create_refresh_token, get_current_user, get_jwt, verify_jwt_in_request

from portal.api.blueprint import api
from portal.api.common import acting_user, documented, json_body, session_id
from portal.schemas.auth import LoginRequest, LoginResponse, RefreshRequest, TokenResponse, UserOut
from portal.services.identity import auth as auth_service


def _access_token(user, sid: str) -> str:
    return create_access_token(
        identity=user.id,
        additional_claims={"sid": sid, "role": user.role, "wh": user.warehouse_id},
        expires_delta=timedelta(seconds=current_app.config["JWT_ACCESS_TTL"]),
    )


@api.post("/auth/login")
@documented(summary="Log in with email, password and TOTP code", body=LoginRequest, response=LoginResponse,
            auth=False, unauthorized=True, description="A wrong email, password or code all answer the same 401. A TOTP code is accepted once. "
                        "A user who has not set up an authenticator yet (new, or after an MFA reset) gets a 401 "
                        "telling them to log in to the portal at /login first, where they enrol.")
def login():
    data = json_body(LoginRequest)
    user, session = auth_service.login(data.email, data.password, data.mfa_token)
    refresh = create_refresh_token(
        identity=user.id, additional_claims={"sid": session.id},
        expires_delta=timedelta(seconds=current_app.config["JWT_REFRESH_TTL"]),
    )
    return jsonify({
        "user": UserOut.dump(user),
        "token": _access_token(user, session.id),
        "refreshToken": refresh,
        "sessionId": session.id,
    })


@api.post("/auth/refresh")
@documented(summary="Exchange the refresh token (as Bearer) for a new access token", body=RefreshRequest,
            response=TokenResponse, auth=False, unauthorized=True)
def refresh():
    body = json_body(RefreshRequest)  # an empty body is fine; unknown fields are not
    # A refreshToken in the body wins over the Authorization header: clients often keep sending
    # their (expired) access token there, which would otherwise be refused as "not a refresh token".
    verify_jwt_in_request(refresh=True, locations=["json"] if body.refresh_token else ["headers"])
    return jsonify({"token": _access_token(get_current_user(), get_jwt()["sid"])})


@api.post("/auth/logout")
@documented(summary="Revoke this session: its access and refresh tokens stop working at once")
def logout():
    auth_service.revoke_session(session_id())
    return jsonify({"message": "Logged out", "sessionId": session_id()})


@api.get("/auth/me")
@documented(summary="The user behind the token", response=UserOut)
def me():
    return jsonify(UserOut.dump(acting_user()))
