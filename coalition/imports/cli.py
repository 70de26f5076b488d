"""`coalition import institutions|people FILE`, `coalition import contributions SLUG FILE`: preview a
spreadsheet, then import it."""
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
    """Import institutions, people or a consultation's contributions from a CSV file or an Excel workbook (.xlsx)."""


def _run(kind: str, path: Path, dry_run: bool, skip_bad_rows: bool, by: str | None, **options) -> None:
    import sqlalchemy as sa

    from coalition.auth.models import User
    from coalition.cli import _Progress
    from coalition.imports import services

    actor = None
    if by:
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
