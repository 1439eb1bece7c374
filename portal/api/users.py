"""Admin user management (issue 9): list, create, change role/name/active, reset MFA."""
from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented, json_body, page_response, query_args
from portal.schemas.users import UserAdminOut, UserCreate, UserQuery, UserUpdate
from portal.services.identity import users as service


@api.get("/users")
@documented(summary="Users of your warehouse", query=UserQuery, response=list[UserAdminOut],
            permission="users.manage")
def list_users():
    page = service.list_users(actor(), query_args(UserQuery))
    return page_response(page, UserAdminOut.dump_many(page.items))


@api.post("/users")
@documented(summary="Create a user in your warehouse", body=UserCreate, response=UserAdminOut, status=201,
            permission="users.manage",
            description="The admin sets an initial password. The user has no authenticator yet: the API refuses "
                        "their login (401) until their first login at the portal's /login, which enrols one. "
                        "409 when the email is taken.")
def create_user():
    return jsonify(UserAdminOut.dump(service.create_user(actor(), json_body(UserCreate)))), 201


@api.get("/users/<user_id>")
@documented(summary="One user of your warehouse", response=UserAdminOut, permission="users.manage")
def get_user(user_id: str):
    return jsonify(UserAdminOut.dump(service.get_user(actor(), user_id)))


@api.patch("/users/<user_id>")
@documented(summary="Change a user's name, role, or deactivate/reactivate them", body=UserUpdate,
            response=UserAdminOut, permission="users.manage",
            description="active=false ends every session of the user at once (API tokens and portal logins). "
                        "409 when an admin would deactivate or change the role of their own account, or leave "
                        "the warehouse without an active admin.")
def update_user(user_id: str):
    return jsonify(UserAdminOut.dump(service.update_user(actor(), user_id, json_body(UserUpdate))))


@api.post("/users/<user_id>/reset-mfa")
@documented(summary="Reset a user's authenticator: they enrol again at their next portal login",
            response=UserAdminOut, permission="users.manage",
            description="A new TOTP secret replaces the old one (unconfirmed), and every session of the user ends.")
def reset_mfa(user_id: str):
    return jsonify(UserAdminOut.dump(service.reset_mfa(actor(), user_id)))
