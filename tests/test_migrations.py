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
