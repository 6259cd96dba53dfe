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
    @click.option(
        "--regions",
        default=5,
        show_default=True,
        type=click.IntRange(1, 799),
        help="Number of regional offices: Kreis Soest, Kreis Unna, Hochsauerlandkreis, Stadt Hamm, Stadt Leipzig, "
        "then generated ones spread over the 16 Länder.",
    )
    @click.option(
        "--schools",
        default=35,
        show_default=True,
        type=click.IntRange(0),
        help="Schools of Kreis Soest (the other four demo offices have their own few); with more than 5 regions "
        "the number of schools spread over all regions.",
    )
    @click.option("--activities", default=240, show_default=True, help="Total number of demo activity reports.")
    @click.option("--materials", default=60, show_default=True, help="Total number of demo materials.")
    @click.option(
        "--offers",
        default=60,
        show_default=True,
        type=click.IntRange(0),
        help="Total number of offers of cooperation partners: the demo's own (about 30 partners), then generated "
        "ones with a partner per dozen offers.",
    )
    def seed_demo_command(regions: int, schools: int, activities: int, materials: int, offers: int) -> None:
        """Fill a believable demo network and the demo accounts (idempotent)."""
        import time

        from .demo import seed_demo

        started = time.perf_counter()
        try:
            added = seed_demo(
                schools=schools, activities=activities, materials=materials, regions=regions, offers=offers
            )
        except ValueError as problem:
            raise click.ClickException(str(problem)) from None
        seconds = time.perf_counter() - started
        click.echo(", ".join(f"{kind}: +{n}" for kind, n in added.items()) + f" ({seconds:.1f} s)")
        click.echo("Demo-Zugänge:")
        _echo_demo_logins()

    @app.cli.command("demo-logins")
    def demo_logins() -> None:
        """Print the demo accounts, their password and the second-factor secret of the staff accounts."""
        _echo_demo_logins()

    @app.cli.command("demo-code")
    def demo_code() -> None:
        """Print the current second-factor code of the demo staff accounts (instead of an authenticator app)."""
        from .auth.twofactor import totp
        from .demo import demo_totp_secret

        click.echo(totp(demo_totp_secret()).now())

    @app.cli.command("send-digest")
    @click.option("--days", default=7, show_default=True, help="Look back this many days.")
    def send_digest_command(days: int) -> None:
        """Mail KI staff a digest: new registrations, new reports, open reviews (weekly by cron or systemd)."""
        from .coordination.digest import send_digest

        sent = send_digest(days=days)
        click.echo(f"Wochenüberblick an {sent} KI-Konten gesendet.")

    @app.cli.command("send-event-reminders")
    def send_event_reminders_command() -> None:
        """Mail every school registered for an event that begins the day after tomorrow (daily by cron or systemd;
        a second run sends nothing twice)."""
        from .events.reminders import send_event_reminders

        run = send_event_reminders()
        click.echo(f"Erinnerungen an Veranstaltungen gesendet: {run.sent}, ohne E-Mail-Adresse: {run.without_address}")

    @app.cli.command("deliver-mail")
    @click.option("--loop", is_flag=True, help="Keep delivering (a worker beside gunicorn) instead of one pass.")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between passes with --loop.")
    def deliver_mail_command(loop: bool, interval: float) -> None:
        """Hand the mails of the outbox to the mail server: one pass (cron), or continuously with --loop."""
        import time

        from .core.mail import deliver_due

        while True:
            result = deliver_due()
            if result.sent or result.retry or result.failed or result.interrupted or not loop:
                click.echo(
                    f"zugestellt: {result.sent}, später erneut: {result.retry}, "
                    f"aufgegeben: {result.failed + result.interrupted}"
                )
            if not loop:
                return
            time.sleep(interval)

    @app.cli.command("db-is-empty")
    def db_is_empty() -> None:
        """Exit 0 when the database has no accounts yet (used by ``make run`` to seed once)."""
        from sqlalchemy import func, select

        raise SystemExit(0 if not db.session.scalar(select(func.count()).select_from(User)) else 1)

    @app.cli.command("cleanup")
    def cleanup_command() -> None:
        """Apply the retention periods: orphan files, spent links, old throttle records, mails, registrations."""
        from .maintenance import run_cleanup

        labels = {
            "registrations": "nicht freigegebene Registrierungen (älter als 90 Tage)",
            "registration_accounts": "Konten dieser Registrierungen",
            "tokens": "benutzte oder abgelaufene Links (Passwort, Einladung, Bestätigung)",
            "invitations": "benutzte oder abgelaufene Schul-Einladungen",
            "throttle_events": "Anmeldeversuche älter als 24 Stunden",
            "outbox_mails": "Mails im Postausgang älter als 30 Tage",
            "delivered_mails": "zugestellte Mails älter als 30 Tage (Protokoll)",
            "orphan_files": "verwaiste Upload-Dateien",
            "temp_files": "abgebrochene Uploads",
            "pending_uploads": "in Formularen zwischengespeicherte Dateien älter als 1 Stunde",
        }
        result = run_cleanup()
        for key, label in labels.items():
            click.echo(f"{result.counts.get(key, 0):>6}  {label}")
        click.echo("Datenbank-Statistik aktualisiert.")

    @app.cli.command("backup")
    @click.argument("target", type=click.Path(dir_okay=False, writable=True))
    def backup_command(target: str) -> None:
        """Write one archive with a database snapshot, all uploads and a manifest with checksums."""
        from pathlib import Path

        from .core.backup import BackupError, create_backup

        try:
            manifest = create_backup(Path(target))
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        rows = sum(manifest["tables"].values())
        files = sum(1 for name in manifest["files"] if name.startswith("uploads/"))
        click.echo(f"Sicherung {target} geschrieben: {rows} Datensätze, {files} Dateien.")

    @app.cli.command("restore")
    @click.argument("source", type=click.Path(exists=True, dir_okay=False))
    @click.option("--force", is_flag=True, help="Replace all data of a database that is not empty.")
    def restore_command(source: str, force: bool) -> None:
        """Restore an archive written by ``backup`` into an empty database (checksums are checked first)."""
        from pathlib import Path

        from .core.backup import BackupError, restore_backup

        try:
            manifest = restore_backup(Path(source), force=force)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        rows = sum(manifest["tables"].values())
        files = sum(1 for name in manifest["files"] if name.startswith("uploads/"))
        click.echo(f"Wiederhergestellt: {rows} Datensätze, {files} Dateien (Prüfsummen geprüft).")


def _echo_demo_logins() -> None:
    """Each demo account in the database: its role in words, what it covers, and how to sign in."""
    from .demo import demo_accounts, demo_password, demo_totp_secret

    accounts = demo_accounts()
    if not accounts:
        click.echo("  Noch keine Demo-Zugänge: flask seed-demo legt sie an.")
        return
    click.echo(f"  Passwort aller Demo-Zugänge: {demo_password()}")
    for account in accounts:
        line = f"  {account.email:<27} {account.role:<28} {account.covers}"
        if account.second_factor:
            line += f"  (TOTP-Schlüssel: {demo_totp_secret()})"
        click.echo(line)
    click.echo("  Den TOTP-Schlüssel in einer Authenticator-App eintragen oder den Code abrufen mit: flask demo-code")
