"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""
import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from coalition import create_app
from coalition.extensions import db
from coalition.groups.models import GROUPS
from tests.conftest import reset_postgres


def _assert_no_difference():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def _assert_six_groups():
    slugs = db.session.scalars(sa.text("SELECT slug FROM working_groups ORDER BY position")).all()
    assert slugs == [slug for slug, _en, _es in GROUPS]


def test_migrations_upgrade_an_empty_sqlite_file_and_match_the_models(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}"})
    with app.app_context():
        flask_migrate.upgrade()
        _assert_no_difference()
        _assert_six_groups()
        db.engine.dispose()


@pytest.mark.postgres
def test_migrations_upgrade_an_empty_postgres_database_and_match_the_models(app):
    reset_postgres()
    _assert_no_difference()
    _assert_six_groups()


@pytest.mark.postgres
def test_migrations_downgrade_and_upgrade_again_on_postgres(app):
    flask_migrate.downgrade(revision="base")
    assert "deliverables" not in sa.inspect(db.engine).get_table_names()
    flask_migrate.upgrade()
    _assert_six_groups()


def test_sqlite_enforces_foreign_keys(app):
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text(
            "INSERT INTO group_memberships (group_id, user_id, role, since, created_at) "
            "VALUES (1, 424242, 'member', '2026-01-01', '2026-01-01 00:00:00')"))
        db.session.flush()
    db.session.rollback()


# --- 0008: history is never deleted ----------------------------------------------------------

# A coalition as it stood before 0008: every kind of history row, written in plain SQL.
HISTORY_ROWS = [
    ("INSERT INTO institutions (id, name, sector, state, joined_on, active, description, created_at, updated_at) "
     "VALUES (1, 'Universidad de Prueba', 'academia', 'JAL', '2020-01-01', :yes, '', :t, :t)"),
    ("INSERT INTO users (id, email, name, role, language, timezone, digest_frequency, digest_weekday, digest_hour, "
     "active, session_token, created_at, institution_id) VALUES (1, 'lead@example.org', 'Lucía', 'member', 'es', "
     "'America/Mexico_City', 'weekly', 0, 8, :yes, 'token-1', :t, 1)"),
    ("INSERT INTO group_memberships (id, group_id, user_id, role, since, created_at) VALUES (1, :g, 1, 'lead', "
     "'2024-01-01', :t)"),
    ("INSERT INTO deliverables (id, group_id, title, description, owner_id, start_date, due_date, status, progress, "
     "version, last_update_at, created_at, updated_at) VALUES (1, :g, 'Guía de ética', '', 1, '2026-01-01', "
     "'2026-12-31', 'in_progress', 40, 3, :t, :t, :t)"),
    "INSERT INTO deliverable_institutions (deliverable_id, institution_id) VALUES (1, 1)",
    ("INSERT INTO deliverable_updates (id, deliverable_id, author_id, created_at, status_before, status_after, "
     "progress_before, progress_after, note, kind) VALUES (1, 1, 1, :t, 'not_started', 'in_progress', 0, 40, "
     "'Primer borrador', 'update')"),
    "INSERT INTO milestones (id, deliverable_id, title, progress, position, weight) VALUES (1, 1, 'Borrador', 40, 0, 2)",
    ("INSERT INTO meetings (id, group_id, title, starts_at, duration_minutes, location, agenda, status, ical_uid, "
     "ical_sequence, version, created_at, updated_at, organiser_id) VALUES (1, :g, 'Sesión', :t, 60, 'CDMX', '', "
     "'held', 'uid-1@coalition', 0, 1, :t, :t, 1)"),
    "INSERT INTO minutes_revisions (id, meeting_id, body, author_id, created_at) VALUES (1, 1, 'Acta', 1, :t)",
    ("INSERT INTO attendance (id, meeting_id, user_id, institution_id, status, updated_at) "
     "VALUES (1, 1, 1, 1, 'attended', :t)"),
    "INSERT INTO decisions (id, meeting_id, text, author_id, created_at) VALUES (1, 1, 'Se aprueba', 1, :t)",
    "INSERT INTO action_items (id, meeting_id, text, done, created_at) VALUES (1, 1, 'Circular el acta', :no, :t)",
    ("INSERT INTO audit_log (id, actor_id, action, subject_type, subject_id, changes, created_at) "
     "VALUES (1, 1, 'deliverable.create', 'deliverables', 1, '{}', :t)"),
]
HISTORY_TABLES = ("institutions", "users", "group_memberships", "deliverables", "deliverable_institutions",
                  "deliverable_updates", "milestones", "meetings", "minutes_revisions", "attendance", "decisions",
                  "action_items", "audit_log")
# Each child's reference that must refuse to go with its parent, and the parent row to try.
HISTORY_PARENTS = [("deliverables", 1), ("meetings", 1), ("users", 1), ("institutions", 1), ("working_groups", None)]


def _migrate(**kwargs) -> None:
    """Run Alembic on a database nobody else holds a lock on."""
    db.session.commit()
    db.session.remove()
    (flask_migrate.downgrade if kwargs.pop("down", False) else flask_migrate.upgrade)(**kwargs)


def _snapshot(columns: dict[str, list[str]]) -> dict:
    return {table: db.session.execute(sa.text(
        f"SELECT {', '.join(names)} FROM {table} ORDER BY {', '.join(names[:2])}")).all()
        for table, names in columns.items()}


def _upgrade_a_coalition_through_0008() -> None:
    group_id = db.session.scalar(sa.text("SELECT id FROM working_groups WHERE slug = 'ethics'"))
    for statement in HISTORY_ROWS:
        db.session.execute(sa.text(statement), {"g": group_id, "t": "2026-03-04 10:00:00", "yes": True, "no": False})
    db.session.commit()
    inspector = sa.inspect(db.engine)
    columns = {table: [c["name"] for c in inspector.get_columns(table)] for table in HISTORY_TABLES}
    before = _snapshot(columns)
    assert all(before.values())

    _migrate()
    assert _snapshot(columns) == before
    assert db.session.scalars(sa.text("SELECT archived_at FROM deliverables")).all() == [None]
    refusals = {table: sa.text(f"DELETE FROM {table} WHERE id = :id") for table, _id in HISTORY_PARENTS}
    for table, row_id in HISTORY_PARENTS:
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(refusals[table], {"id": row_id if row_id is not None else group_id})
        db.session.rollback()
    assert _snapshot(columns) == before

    # Down and up again: still every row.
    _migrate(revision="0005", down=True)
    assert _snapshot(columns) == before
    _migrate()
    assert _snapshot(columns) == before
    _assert_no_difference()


def test_0008_keeps_every_row_on_sqlite_and_the_database_refuses_to_delete_history(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'coalition.db'}"})
    with app.app_context():
        flask_migrate.upgrade(revision="0005")
        _upgrade_a_coalition_through_0008()
        # Foreign keys are enforced again on the connections the migration used.
        assert db.session.scalar(sa.text("PRAGMA foreign_keys")) == 1
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
def test_0008_keeps_every_row_on_postgres_and_the_database_refuses_to_delete_history(app):
    try:
        _migrate(revision="0005", down=True)
        _upgrade_a_coalition_through_0008()
    finally:
        db.session.rollback()
        reset_postgres()


def test_no_foreign_key_cascades_over_history():
    """The models say it too: nothing that holds history goes with its parent."""
    history = {"deliverable_updates", "milestones", "minutes_revisions", "attendance", "decisions", "action_items",
               "deliverables", "meetings"}
    cascading = [f"{fk.parent.table.name}.{fk.parent.name}" for table in db.metadata.sorted_tables
                 if table.name in history for fk in table.foreign_keys
                 if fk.ondelete == "CASCADE" or (fk.ondelete == "SET NULL" and table.name == "attendance")]
    assert cascading == []
