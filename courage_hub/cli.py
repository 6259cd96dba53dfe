"""Command-line tasks: ``flask --app courage_hub <command>``."""

from __future__ import annotations

import os

import click
from flask import Flask

from .auth.models import Role, User
from .core.db import utcnow, write_transaction
from .core.passwords import hash_password, password_problem
from .extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.option("--email", required=True, help="E-mail address of the new admin account.")
    @click.option("--name", default="Administration", show_default=True)
    def create_admin(email: str, name: str) -> None:
        """Create an admin account (password from ADMIN_PASSWORD or prompted)."""
        from .auth.services import email_taken, normalize_email

        password = os.environ.get("ADMIN_PASSWORD") or click.prompt(
            "Passwort", hide_input=True, confirmation_prompt=True
        )
        problem = password_problem(password, email=email)
        if problem:
            raise click.ClickException(problem)
        if email_taken(email):
            raise click.ClickException("Ein Konto mit dieser E-Mail-Adresse gibt es bereits.")
        with write_transaction():
            db.session.add(
                User(
                    email=normalize_email(email),
                    name=name,
                    role=Role.ADMIN,
                    password_hash=hash_password(password),
                    email_confirmed_at=utcnow(),
                )
            )
        click.echo(f"Admin-Konto {normalize_email(email)} angelegt.")

    @app.cli.command("seed-demo")
    @click.option("--schools", default=35, show_default=True, help="Number of demo schools.")
    @click.option("--activities", default=120, show_default=True, help="Total number of demo activity reports.")
    def seed_demo_command(schools: int, activities: int) -> None:
        """Fill a believable demo network and the demo accounts (idempotent)."""
        from .demo import DEMO_ACCOUNTS, demo_password, seed_demo

        added = seed_demo(schools=schools, activities=activities)
        click.echo(", ".join(f"{kind}: +{n}" for kind, n in added.items()))
        click.echo(f"Demo-Zugänge (Passwort: {demo_password()}):")
        for account in DEMO_ACCOUNTS:
            click.echo(f"  {account.email:<28} {account.role.value}")

    @app.cli.command("demo-logins")
    def demo_logins() -> None:
        """Print the demo accounts and their password."""
        from .demo import DEMO_ACCOUNTS, demo_password

        for account in DEMO_ACCOUNTS:
            click.echo(f"  {account.email:<28} {account.role.value:<12} Passwort: {demo_password()}")

    @app.cli.command("send-digest")
    @click.option("--days", default=7, show_default=True, help="Look back this many days.")
    def send_digest_command(days: int) -> None:
        """Mail KI staff a digest: new registrations, new reports, open reviews (weekly by cron or systemd)."""
        from .coordination.digest import send_digest

        sent = send_digest(days=days)
        click.echo(f"Wochenüberblick an {sent} KI-Konten gesendet.")

    @app.cli.command("db-is-empty")
    def db_is_empty() -> None:
        """Exit 0 when the database has no accounts yet (used by ``make run`` to seed once)."""
        from sqlalchemy import func, select

        raise SystemExit(0 if not db.session.scalar(select(func.count()).select_from(User)) else 1)
