"""`coalition import institutions|people|instruments|engagements FILE`, `coalition import contributions SLUG
FILE`: preview a spreadsheet, then import it."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from coalition.database import refresh_statistics
from coalition.errors import ValidationError
from coalition.extensions import db

ERRORS_SHOWN = 200


@click.group("import")
def import_group():
    """Import institutions, people, a consultation's contributions, policy instruments or engagements from a CSV
    file or an Excel workbook (.xlsx)."""


POLICY_KINDS = ("instruments", "engagements")


def _policy_actor(by: str | None):
    """Who records the instruments or engagements (the policy services record a person as their author):
    `--by` (a coordinator, or a liaison, who may then import only their states' rows), else the first
    active administrator."""
    import sqlalchemy as sa

    from coalition.auth.models import User
    from coalition.imports.permissions import can_import_policy

    if by:
        actor = db.session.execute(sa.select(User).where(User.email == by.strip().lower())).scalar_one_or_none()
        if actor is None or not actor.active or not can_import_policy(actor):
            raise click.ClickException(f"{by} is not an active coordinator, administrator or state liaison.")
        return actor
    actor = db.session.execute(sa.select(User).where(User.role == "admin", User.active.is_(True))
                               .order_by(User.id).limit(1)).scalar_one_or_none()
    if actor is None:
        raise click.ClickException("There is no active administrator to record the import as: pass --by EMAIL.")
    return actor


def _run(kind: str, path: Path, dry_run: bool, skip_bad_rows: bool, by: str | None, **options) -> None:
    import sqlalchemy as sa

    from coalition.auth.models import User
    from coalition.cli import _Progress
    from coalition.imports import services

    actor = None
    if kind in POLICY_KINDS:
        actor = _policy_actor(by)
    elif by:
        actor = db.session.execute(sa.select(User).where(User.email == by.strip().lower())).scalar_one_or_none()
        if actor is None or not actor.active or not actor.is_coordinator:
            raise click.ClickException(f"{by} is not an active coordinator or administrator.")
    data = path.read_bytes()
    options = {"skip_bad_rows": skip_bad_rows, **options}
    started = time.monotonic()
    progress = _Progress()
    try:
        if dry_run:
            result = services.preview(kind, actor, data, path.name, options, progress=progress)
        else:
            result = services.apply(kind, actor, data, path.name, options, progress=progress, via="cli")
    except services.ImportRefused as refused:
        db.session.rollback()
        result = refused.preview
    except ValidationError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    finally:
        progress.close()
    if result.applied:
        db.session.commit()
        refresh_statistics()
    sheet = result.sheet
    source = "Excel (.xlsx)" if sheet.format == "xlsx" else f"CSV, {sheet.encoding}, delimiter {sheet.delimiter!r}"
    counts = result.counts
    click.echo(f"{path.name}: {len(result.rows)} rows ({source}) in {time.monotonic() - started:.1f}s")
    click.echo(f"  create {counts['create']}, update {counts['update']}, unchanged {counts['unchanged']}, "
               f"error {counts['error']}")
    if sheet.ignored:
        click.echo(f"  columns not imported: {', '.join(sheet.ignored)}")
    for row in result.errors[:ERRORS_SHOWN]:
        for column, message in row.messages:
            click.echo(f"  line {row.line}, column {column}: {message}", err=True)
    if len(result.errors) > ERRORS_SHOWN:
        click.echo(f"  … and {len(result.errors) - ERRORS_SHOWN} more rows with errors", err=True)
    if result.applied and kind == "contributions" and not counts["create"]:
        click.echo("Nothing new: every row was already imported.")
    elif result.applied:
        click.echo("Imported." + (" Invitations queued for the new people." if options.get("invite") else ""))
    elif dry_run:
        click.echo("Dry run: nothing was written.")
    else:
        click.echo("Nothing was imported: correct the rows above, or pass --skip-bad-rows.", err=True)
    if counts["error"] and not skip_bad_rows:
        sys.exit(1)


_file = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_dry_run = click.option("--dry-run", is_flag=True, help="Show what each row would do; write nothing.")
_skip = click.option("--skip-bad-rows", is_flag=True, help="Import the good rows even when some rows are bad.")
_by = click.option("--by", metavar="EMAIL", help="The coordinator or admin the import is recorded as (and who "
                                                  "invites); without it, the command line itself.")


@import_group.command("institutions")
@_file
@_dry_run
@_skip
@_by
@with_appcontext
def import_institutions(file: Path, dry_run: bool, skip_bad_rows: bool, by: str | None):
    """Import institutions (columns name, acronym, sector, state, country, website, joined_on, description)."""
    _run("institutions", file, dry_run, skip_bad_rows, by)


@import_group.command("people")
@_file
@_dry_run
@click.option("--invite", is_flag=True, help="Send each new person one invitation.")
@_skip
@_by
@with_appcontext
def import_people(file: Path, dry_run: bool, invite: bool, skip_bad_rows: bool, by: str | None):
    """Import people (columns email, name, institution, role, groups, language)."""
    _run("people", file, dry_run, skip_bad_rows, by, invite=invite)


@import_group.command("contributions")
@click.argument("slug")
@_file
@_dry_run
@_skip
@_by
@with_appcontext
def import_contributions(slug: str, file: Path, dry_run: bool, skip_bad_rows: bool, by: str | None):
    """Import a consultation's contributions collected on paper (columns external_id, channel, submitted_at,
    sector, state, institution, age_band, gender, q1, q2, …, and r<recommendation id> for comments);
    a row whose external_id is already imported is left unchanged."""
    from coalition.errors import NotFound
    from coalition.imports.contributions import consultation_for_import

    try:
        consultation_for_import(slug)
    except NotFound:
        raise click.ClickException(f"There is no consultation {slug!r}.") from None
    except ValidationError as error:
        raise click.ClickException(str(error.message)) from None
    _run("contributions", file, dry_run, skip_bad_rows, by, consultation=slug)


_by_policy = click.option("--by", metavar="EMAIL", help="The coordinator, administrator or state liaison the import "
                                                        "is recorded as; without it, the first active administrator.")


@import_group.command("instruments")
@_file
@_dry_run
@_skip
@_by_policy
@with_appcontext
def import_instruments(file: Path, dry_run: bool, skip_bad_rows: bool, by: str | None):
    """Import policy instruments (columns key, kind, jurisdiction, state, place, branch, title_es, title_en,
    summary_es, summary_en, source_url, stages, recommendations); stages and uptakes are added through the
    policy services."""
    _run("instruments", file, dry_run, skip_bad_rows, by)


@import_group.command("engagements")
@_file
@_dry_run
@_skip
@_by_policy
@with_appcontext
def import_engagements(file: Path, dry_run: bool, skip_bad_rows: bool, by: str | None):
    """Import engagements (columns key, kind, title, held_on, jurisdiction, state, place, body, instrument,
    institutions, position)."""
    _run("engagements", file, dry_run, skip_bad_rows, by)
