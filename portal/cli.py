"""`flask --app wsgi ...` commands for operators."""
from __future__ import annotations

import sys

import click
from flask import Flask

from portal.services.common.errors import DomainError
from portal.services.identity import auth as auth_service


def register_cli(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--password", required=True, help="At least 8 characters.")
    @click.option("--role", required=True, type=click.Choice(["admin", "manager", "technician", "requester"]))
    @click.option("--warehouse", "warehouse_name", required=True, help="Created when it does not exist.")
    @click.option("--name", default=None)
    @click.option("--totp-secret", default=None, help="Base32 TOTP secret; generated when omitted.")
    def create_user(email, password, role, warehouse_name, name, totp_secret):
        """Create a user; print its id, TOTP secret and otpauth:// URI."""
        try:
            user = auth_service.create_user(email, password, role, warehouse_name, name=name, totp_secret=totp_secret)
        except DomainError as exc:
            details = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
            click.echo(f"Error: {details or exc.message}", err=True)
            sys.exit(1)
        click.echo(f"id: {user.id}")
        click.echo(f"totp secret: {user.totp_secret}")
        click.echo(f"totp uri: {auth_service.provisioning_uri(user)}")

    @app.cli.command("rebuild-kpi-days")
    def rebuild_kpi_days():
        """Recount every warehouse's KPI day rows from its work orders and labor (after a load that
        bypassed the app, e.g. a COPY; the app's own writes keep them)."""
        from portal.models import Warehouse
        from portal.platform.extensions import db
        from portal.services.reporting import days

        for warehouse in db.session.scalars(db.select(Warehouse).order_by(Warehouse.name)):
            click.echo(f"{warehouse.name}: {days.rebuild(warehouse.id)} days")
        db.session.commit()

    @app.cli.command("set-timezone")
    @click.argument("warehouse_name")
    @click.argument("zone")
    def set_timezone(warehouse_name, zone):
        """Show the portal's times for WAREHOUSE_NAME in ZONE (IANA name, e.g. Europe/Paris)."""
        from portal.services.identity import warehouses

        try:
            warehouses.set_timezone(warehouse_name, zone)
        except DomainError as exc:
            details = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
            click.echo(f"Error: {details or exc.message}", err=True)
            sys.exit(1)
        click.echo(f"{warehouse_name}: times shown in {zone}")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only when the database has no warehouse at all.")
    def seed_demo(if_empty):
        """Load the demo warehouse (idempotent)."""
        from portal.demo import DEMO_PASSWORD, database_is_empty, seed

        if if_empty and not database_is_empty():
            click.echo("Database already has data; demo data not loaded.")
            return
        summary = seed()
        if summary["created"]:
            click.echo(f"Demo data loaded: {summary['counts']}")
        else:
            click.echo("Demo data already present; nothing changed.")
        click.echo(f"Demo logins (password {DEMO_PASSWORD}):")
        for email, role in summary["users"]:
            click.echo(f"  {role:<10} {email}")
        click.echo("Current MFA code of a demo user: flask --app wsgi demo-code EMAIL")

    @app.cli.command("demo-code")
    @click.argument("email")
    def demo_code(email):
        """Print the current TOTP code of a DEMO user (refused for real users and in production)."""
        try:
            click.echo(auth_service.demo_code(email))
        except DomainError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            sys.exit(1)
