"""The WSGI entry point: `gunicorn coalition.wsgi:app` (or `"coalition.wsgi:serve(None, {...})"` with settings).

Under gunicorn.conf.py (`preload_app`) the master builds the app once, readies what every worker
would otherwise build for itself, and forks the workers, which then share those pages.
"""
import gc
import logging

from coalition import create_app

log = logging.getLogger(__name__)


def serve(config_name: str | None = None, overrides: dict | None = None):
    """The application for a web worker, its start-up objects moved out of the garbage collector's way."""
    # A web worker never migrates: without Alembic every process of the web tier is 11 MiB smaller.
    application = create_app(config_name, overrides, migrations=False)
    prepare(application)
    # Everything built so far (the app, its routes, templates' code, catalogues, mappers) lives as long
    # as the process: frozen, the collector stops re-scanning it on every full collection, which at
    # scale cost a busy page several milliseconds per request. gunicorn.conf.py turns the collector
    # off until the fork, so no collection leaves holes for the workers to write into.
    if gc.isenabled():
        gc.collect()
    gc.freeze()
    return application


def prepare(application) -> None:
    """Build now what the first requests would build: the mappers, both catalogues, the database dialect."""
    import sqlalchemy as sa
    from flask_babel import force_locale, get_translations
    from sqlalchemy.orm import configure_mappers

    from coalition.extensions import db

    configure_mappers()
    with application.test_request_context():
        for language in application.config.get("LANGUAGES", ()):
            with force_locale(language):
                get_translations()
    with application.app_context():
        try:
            # The first connection teaches the dialect the server's version and types; it is closed
            # at once, so no connection is ever inherited by a forked worker.
            with db.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as error:  # the database may be down at start: workers retry
            log.warning("database not reached while starting: %s", error)
        finally:
            for engine in db.engines.values():
                engine.dispose()


def after_fork() -> None:
    """In a new worker: its own database and Redis connections, none inherited from the master."""
    application = globals().get("app")
    if application is None:
        return
    from coalition.extensions import db

    with application.app_context():
        for engine in db.engines.values():
            # close=False: a connection the master still held is the master's; this process starts afresh.
            engine.dispose(close=False)
    for name in [name for name in application.extensions if name.startswith("redis_")]:
        del application.extensions[name]


def __getattr__(name: str):
    # `app` is built on first use, so that `coalition.wsgi:serve(...)` does not build a second one.
    if name == "app":
        globals()["app"] = application = serve()
        return application
    raise AttributeError(name)
