"""The WSGI entry point: `gunicorn coalition.wsgi:app` (or `"coalition.wsgi:serve(None, {...})"` with settings).

Under gunicorn.conf.py (`preload_app`) the master builds the app once, readies what every worker
would otherwise build for itself (`prepare`), serves its busiest pages to itself (`warm_up`), and
forks the workers, which then share those pages.
"""
import gc
import logging
import time

from coalition import create_app

log = logging.getLogger(__name__)


def serve(config_name: str | None = None, overrides: dict | None = None):
    """The application for a web worker, its start-up objects moved out of the garbage collector's way."""
    # A web worker never migrates: without Alembic every process of the web tier is 11 MiB smaller.
    application = create_app(config_name, overrides, migrations=False)
    prepare(application)
    warm_up(application)
    # Everything built so far (the app, its routes, templates' code, catalogues, mappers, what the
    # warm-up's pages built) lives as long as the process: frozen, the collector stops re-scanning it on
    # every full collection, which at scale cost a busy page several milliseconds per request.
    # gunicorn.conf.py turns the collector off until the fork, so no collection leaves holes for the
    # workers to write into.
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


# Past this, the remaining pages are left for the workers: a slow database must not hold up the start.
WARM_UP_SECONDS = 10.0


def warm_up(application) -> list[tuple[str, int]]:
    """Serve, in the master, the pages the workers serve most, so that they share what a first request builds.

    Measured with bench/cow.py and bench/peer.py (docs/perf/peer.md): a first request compiles its
    templates, fills the ORM's and the SQL compiler's memoised attributes and caches, and specialises the
    interpreter's bytecode, all written into objects the master created. Done after the fork, each worker
    writes its own copy of those pages (about 19 MiB each); done here, the workers share them. The pages
    are served as the first active coordinator would see them (the widest view), then rolled back: nothing
    is written, no session is opened, no mail is sent, and the answers are thrown away.

    Returns the (path, status) of each page served. A failure is logged and ends the warm-up, never the start.
    """
    served: list[tuple[str, int]] = []
    if not application.config.get("WARM_UP", False):
        return served
    started = time.monotonic()
    try:
        for path, person_id in warm_up_pages(application):
            if time.monotonic() - started > WARM_UP_SECONDS:
                log.warning("warm-up stopped after %.1f s, before %s", time.monotonic() - started, path)
                break
            served.append((path, _serve_unseen(application, path, person_id)))
    except Exception as error:  # noqa: BLE001 - the workers build all of it themselves anyway
        log.warning("warm-up skipped: %s", error)
    finally:
        _release_connections(application)
    return served


def warm_up_pages(application) -> list[tuple[str, int | None]]:
    """(path, person id or None) for each page to serve: the sign-in page and the health check anonymously;
    the home, the dashboard, the deliverables, the meetings and the next meeting with its calendar file as
    the first active coordinator, when there is one."""
    import sqlalchemy as sa
    from flask import url_for

    from coalition.auth.models import User
    from coalition.database import utcnow
    from coalition.extensions import db
    from coalition.meetings.models import Meeting

    with application.test_request_context():
        pages = [(url_for("auth.login"), None), (url_for("home.healthz"), None)]
        coordinator = db.session.scalar(sa.select(User.id).where(User.role == "coordinator", User.active)
                                        .order_by(User.id).limit(1))
        if coordinator is None:
            return pages
        pages += [(url_for(endpoint), coordinator) for endpoint in
                  ("home.index", "dashboards.coalition", "deliverables.index", "meetings.index")]
        meeting = db.session.scalar(sa.select(Meeting.id).where(Meeting.starts_at >= utcnow())
                                    .order_by(Meeting.starts_at).limit(1)) or \
            db.session.scalar(sa.select(Meeting.id).order_by(Meeting.starts_at.desc()).limit(1))
        if meeting is not None:
            pages += [(url_for("meetings.detail", meeting_id=meeting), coordinator),
                      (url_for("meetings.calendar_file", meeting_id=meeting), coordinator)]
        return pages


def _serve_unseen(application, path: str, person_id: int | None) -> int:
    """One GET through every hook and the view, as `person_id`, its writes rolled back and its answer dropped."""
    from flask import g

    from coalition.auth.models import User
    from coalition.extensions import db
    from coalition.transaction import safe_rollback
    from coalition.web import WARM_UP_ENVIRON

    with application.test_request_context(path, environ_overrides={WARM_UP_ENVIRON: True}):
        if person_id is not None:
            # Flask-Login's own slot for the request's person: signed in without a session or a cookie.
            g._login_user = db.session.get(User, person_id)
        try:
            response = application.full_dispatch_request()
            response.get_data()
        finally:
            safe_rollback()
    if response.status_code >= 400:
        log.info("warm-up: %s answered %s", path, response.status_code)
    return response.status_code


def _release_connections(application) -> None:
    from coalition.extensions import db
    from coalition.observability import forget_request_id

    with application.app_context():
        for engine in db.engines.values():
            engine.dispose()
    _forget_redis_clients(application)
    forget_request_id()  # the master's own log lines after this are no request's


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
    _forget_redis_clients(application)


def _forget_redis_clients(application) -> None:
    for name in [name for name in application.extensions if name.startswith("redis_")]:
        del application.extensions[name]


def __getattr__(name: str):
    # `app` is built on first use, so that `coalition.wsgi:serve(...)` does not build a second one.
    if name == "app":
        globals()["app"] = application = serve()
        return application
    raise AttributeError(name)
