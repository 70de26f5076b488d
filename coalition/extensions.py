"""Flask extensions, created unbound and initialised in create_app."""
from __future__ import annotations

from pathlib import Path

from celery import Celery, Task
from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from coalition.database import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLite ignores foreign keys unless asked on every connection.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        # WAL lets the web server read while a worker writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL never corrupts the file; a power cut may undo the last commits only.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def migrations_init_app(app: Flask) -> None:
    """Give the app the `db` commands and what flask_migrate.upgrade() needs.

    Only processes that may migrate call this: Alembic and Mako weigh 11 MiB in every process that
    imports them, and a web worker never runs a migration (docs/perf/peer.md).
    """
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True,
            compare_type=True)


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app whose tasks run inside this Flask app's context (Flask's pattern)."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    from coalition import metrics
    from coalition.observability import init_celery

    init_celery(celery_app, app.config.get("LOG_FORMAT"), app.config.get("LOG_LEVEL", "INFO"))
    metrics.init_celery()
    app.extensions["celery"] = celery_app
    return celery_app
