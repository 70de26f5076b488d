"""The `coalition` command: Flask's CLI group plus the coalition's own commands."""
from __future__ import annotations

import sys
import time

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from coalition.database import refresh_statistics
from coalition.errors import ValidationError
from coalition.extensions import db


def _create_app():
    from coalition import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main():
    """Coalition: manage the database, the demo coalition, people, reminders and mail."""


class _Progress:
    """Draw one click progress bar per seeding step."""

    def __init__(self):
        self.bar = None
        self.step = None
        self.done = 0

    def __call__(self, step: str, done: int, total: int):
        if step != self.step:
            self.close()
            self.step = step
            self.done = 0
            self.bar = click.progressbar(length=max(total, 1), label=step.ljust(14), show_pos=True,
                                         file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("seed-demo")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 1000),
              help="Grow the demo for benchmarks (1 is the demo itself; see above).")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already has data.")
@with_appcontext
def seed_demo_command(scale: int, if_empty: bool):
    """Create the demo coalition in an empty database.

    Larger scales are for benchmarks. The work grows linearly: each step of scale adds about
    1,020 deliverables and 11,000 updates. The coalition grows with the square root of the
    scale: institutions, people, group members and meetings. So --scale 100 writes about
    101,000 deliverables and 1.1 million updates for 1,250 institutions, in well under two
    minutes on SQLite. A progress bar per step goes to standard error.
    """
    from coalition.demo.seed import database_has_data, seed_demo

    if database_has_data():
        if if_empty:
            click.echo("The database already has data; not seeding the demo.")
            return
        raise click.ClickException("The database already holds data; seed-demo only fills an empty one.")
    started = time.monotonic()
    progress = _Progress()
    try:
        counts = seed_demo(scale=scale, password=current_app.config["DEMO_PASSWORD"], progress=progress)
    finally:
        progress.close()
    db.session.commit()
    refresh_statistics()
    # Closing the connections makes SQLite fold its write-ahead log into the file now, not on the next write.
    db.session.remove()
    db.engine.dispose()
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    click.echo(f"Demo coalition ready in {time.monotonic() - started:.1f}s: {summary}.")


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--role", type=click.Choice(["admin", "coordinator", "member"]), default="member", show_default=True)
@click.option("--institution", "institution_id", type=int, help="The id of the person's institution.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--language", type=click.Choice(["es", "en"]), default="es", show_default=True)
@with_appcontext
def create_user_command(email, name, role, institution_id, password_stdin, language):
    """Create an account (prompts for the password unless --password-stdin)."""
    from coalition.auth.services import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(None, email=email, name=name, role=role, institution_id=institution_id,
                           password=password, language=language)
    except ValidationError as error:
        db.session.rollback()
        messages = "; ".join(f"{field}: {' '.join(str(m) for m in msgs)}" for field, msgs in error.fields.items())
        raise click.ClickException(messages or str(error.message)) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role}) with id {user.id}.")


@click.command("outbox")
@click.option("--retry-failed", is_flag=True, help="Put failed messages back in the queue.")
@click.option("--send-now", is_flag=True, help="Send what is due in this process, without a worker.")
@click.option("--prune", is_flag=True,
              help="Drop the bodies and attachments of messages sent over OUTBOX_KEEP_BODIES_DAYS ago.")
@with_appcontext
def outbox_command(retry_failed: bool, send_now: bool, prune: bool):
    """Show the outbox's messages by status."""
    from coalition.notifications import services

    if retry_failed:
        requeued = services.retry_failed()
        db.session.commit()
        click.echo(f"Requeued {requeued} failed messages.")
    if send_now:
        outcome = services.deliver_due(limit=10_000)
        click.echo("Sent now: " + (", ".join(f"{n} {status}" for status, n in outcome.items()) or "nothing due"))
    if prune:
        pruned = services.prune(progress=lambda n: click.echo(f"  pruned {n}…", err=True))
        days = current_app.config["OUTBOX_KEEP_BODIES_DAYS"]
        click.echo(f"Pruned {pruned} messages sent over {days} days ago (bodies and attachments dropped).")
    for status, n in services.counts().items():
        click.echo(f"{status:>7}  {n}")


def _instant(value: str | None):
    from datetime import datetime, timezone

    from coalition.database import utcnow

    if not value:
        return utcnow()
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("give an ISO 8601 instant, e.g. 2026-12-01T08:00:00-06:00") from None
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def _ask_worker(task, *args) -> None:
    from kombu.exceptions import OperationalError

    try:
        task.apply_async(args, retry=False, ignore_result=True)
    except OperationalError as error:
        raise click.ClickException(f"The broker cannot be reached ({error}); try again with --inline.") from None


@click.command("reminders")
@click.option("--at", "at_value", help="The instant to compute for (ISO 8601; default now; naive means UTC).")
@click.option("--inline", is_flag=True, help="Do the work in this process instead of asking a worker.")
@with_appcontext
def reminders_command(at_value: str | None, inline: bool):
    """Queue the reminders that are due as of an instant."""
    at = _instant(at_value)
    if not inline:
        from workers.tasks import queue_reminders

        _ask_worker(queue_reminders, at.isoformat())
        click.echo(f"Asked a worker to queue the reminders due at {at.isoformat()}.")
        return
    from coalition.notifications import reminders

    written = reminders.queue_reminders(at)
    db.session.commit()
    total = sum(written.values())
    detail = ", ".join(f"{n} {reason}" for reason, n in sorted(written.items()))
    click.echo(f"Queued {total} reminders as of {at.isoformat()}" + (f": {detail}." if detail else "."))


@click.command("digests")
@click.option("--at", "at_value", help="The instant to compute for (ISO 8601; default now; naive means UTC).")
@click.option("--frequency", type=click.Choice(["daily", "weekly"]), help="Only this frequency.")
@click.option("--inline", is_flag=True, help="Do the work in this process instead of asking a worker.")
@with_appcontext
def digests_command(at_value: str | None, frequency: str | None, inline: bool):
    """Queue the progress digests due as of an instant (each person at their own hour)."""
    at = _instant(at_value)
    if not inline:
        from workers.tasks import queue_digests

        _ask_worker(queue_digests, at.isoformat(), frequency)
        click.echo(f"Asked a worker to queue the digests due at {at.isoformat()}.")
        return
    from coalition.notifications import digests

    outcome = digests.queue_digests(at, frequency)
    db.session.commit()
    click.echo(f"Digests as of {at.isoformat()}: {outcome['sent']} queued, {outcome['empty']} with nothing to say.")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(outbox_command)
    app.cli.add_command(reminders_command)
    app.cli.add_command(digests_command)
    from coalition.imports.cli import import_group

    app.cli.add_command(import_group)
