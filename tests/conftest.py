"""The app built through its factory on a real database per test: a SQLite file, and PostgreSQL too when given.

Every test that uses `app` runs once per database: on SQLite, then on PostgreSQL when TEST_POSTGRES_URL
is set (TEST_DATABASE=sqlite or =postgres keeps one). Tests marked `postgres` run on PostgreSQL only,
`one_database` ones (who may do what: no query differs by database) once, on the first of those databases,
`strictest_database` ones and the API's (tests/api/: the services beneath run on both in their own tests)
once, on PostgreSQL when given, `every_database` ones on both whatever else applies, and the browser
tests on their own SQLite server. Under pytest-xdist (`make test` runs `-n`), each worker
has its own PostgreSQL database and Redis database, so workers never see each other's rows or keys.
"""
from __future__ import annotations

import contextvars
import os
import re
import shutil

import flask_migrate
import pytest
import sqlalchemy as sa

from flask.testing import FlaskClient

from coalition import create_app
from coalition.extensions import db

IN_CI = os.environ.get("CI") == "true"
# "gw0", "gw1"… in a pytest-xdist worker; None in a plain run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
WORKER_INDEX = int(WORKER[2:]) if WORKER and WORKER[2:].isdigit() else 0
REDIS_DATABASES = 16  # Redis's default number of databases


def _own_postgres(url: str) -> str:
    """This worker's own database beside the given one (test → test_gw1), created when missing."""
    base, name = url.rsplit("/", 1)
    own = f"{name}_{WORKER}"
    engine = sa.create_engine(f"{base}/{name}", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": own}).first()
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{own}"'))
    finally:
        engine.dispose()
    return f"{base}/{own}"


def _own_redis(url: str) -> str:
    """This worker's own Redis database: the given one for the first worker, the ones below it for the next."""
    base, _, number = url.rpartition("/")
    if not number.isdigit():
        base, number = url.rstrip("/"), "0"
    if WORKER_INDEX >= REDIS_DATABASES:
        raise pytest.UsageError(f"at most {REDIS_DATABASES} test workers can have a Redis database each")
    return f"{base}/{(int(number) - WORKER_INDEX) % REDIS_DATABASES}"


# Set before any test module reads them (this conftest is imported first), so every test in a
# worker, and every process a test starts with the environment, uses the worker's own databases.
if WORKER and os.environ.get("TEST_POSTGRES_URL"):
    os.environ["TEST_POSTGRES_URL"] = _own_postgres(os.environ["TEST_POSTGRES_URL"])
if WORKER and os.environ.get("TEST_REDIS_URL"):
    os.environ["TEST_REDIS_URL"] = _own_redis(os.environ["TEST_REDIS_URL"])
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")


def database_kinds() -> list[str]:
    """The databases a test that uses `app` runs on."""
    chosen = os.environ.get("TEST_DATABASE")
    if chosen in ("sqlite", "postgres"):
        return [chosen]
    return ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


def is_first_database(database: str) -> bool:
    """Whether `database` is the first a test runs on. The input fuzzers send every odd value there, and
    on the others only the values a database may treat differently (NUL bytes, overflowing numbers, text
    longer than a column, impossible dates, LIKE's wildcards): the rest test validation, which no
    database changes."""
    return database == database_kinds()[0]


def pytest_generate_tests(metafunc):
    if "database" not in metafunc.fixturenames:
        return
    marked = metafunc.definition.get_closest_marker
    kinds = database_kinds()
    in_api = metafunc.definition.path.parent.name == "api"
    if marked("postgres"):
        kinds = ["postgres"]
    elif marked("every_database"):
        pass
    elif marked("e2e") or marked("one_database"):
        kinds = kinds[:1]
    elif marked("strictest_database") or in_api:
        # The API's own layer (schemas, status codes, headers) stands on the services, whose queries run on
        # both databases in their own tests: its tests run once, on the production database when given.
        kinds = kinds[-1:]
    metafunc.parametrize("database", kinds, indirect=True)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    # The browser tests share one live server and one Chromium per worker: all in one worker.
    for item in items:
        if item.get_closest_marker("e2e") or item.path.parent.name == "e2e":
            item.add_marker(pytest.mark.xdist_group("e2e"))


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A SQLite file with the schema and the six groups, copied for every test."""
    path = tmp_path_factory.mktemp("template") / "coalition.db"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return path


@pytest.fixture
def database(request) -> str:
    """"sqlite" or "postgres": the parameter pytest_generate_tests gives every test that uses `app`."""
    kind = request.param
    if kind == "postgres" and not POSTGRES_URL:
        if IN_CI:
            pytest.fail("TEST_POSTGRES_URL is not set but CI=true")
        pytest.skip("TEST_POSTGRES_URL is not set")
    return kind


_postgres_state = {"migrated": False}


def reset_postgres() -> None:
    """Empty the PostgreSQL test database and migrate it from scratch."""
    db.session.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    db.session.commit()
    flask_migrate.upgrade()
    _postgres_state["migrated"] = True


_KEPT_TABLES = ("working_groups", "data_version")


def empty_postgres() -> None:
    """Remove every row but the migrations' own (the six groups, the data version): much faster than
    migrating again."""
    if not _postgres_state["migrated"]:
        reset_postgres()
        return
    # DELETE, children first, all in one round trip: for a test's handful of rows it is far cheaper than
    # TRUNCATE (2 ms against 190), and than one statement per table (13 ms).
    db.session.connection().exec_driver_sql("; ".join(
        f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)
        if table.name not in _KEPT_TABLES))
    db.session.commit()


class IsolatedClient(FlaskClient):
    """Run each request in a clean context, as a real server would.

    Without this, a request reuses the test's app context: `g` and the database session
    would leak between requests and hide bugs (a stale identity map, a cached CSRF token).
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def shared_apps(tmp_path_factory):
    """One app per kind of database for the whole run.

    Building an app (and its OpenAPI document) takes a fifth of a second; thousands of tests would
    spend minutes on it. Each test still gets a fresh database and the app's config back as it was.
    """
    apps: dict = {}

    def get(kind: str):
        if kind not in apps:
            path = tmp_path_factory.mktemp("db") / "coalition.db" if kind == "sqlite" else None
            url = f"sqlite:///{path}" if path else POSTGRES_URL
            shared = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": True,
                                            "SERVER_NAME": None})
            shared.test_client_class = IsolatedClient
            apps[kind] = (shared, path)
        return apps[kind]

    return get


def _fresh_sqlite_file(app, path, template_db) -> None:
    with app.app_context():
        db.engine.dispose()
    for suffix in ("", "-wal", "-shm", "-journal"):
        target = path.with_name(path.name + suffix)
        if target.exists():
            target.unlink()
    shutil.copy(template_db, path)


@pytest.fixture
def app(database, tmp_path, template_db, shared_apps):
    kind = database
    app, path = shared_apps(kind)
    config = app.config.copy()
    if kind == "sqlite":
        _fresh_sqlite_file(app, path, template_db)
    app.instance_path = str(tmp_path / "instance")
    try:
        with app.app_context():
            if kind == "postgres":
                empty_postgres()
            yield app
            db.session.remove()
            if kind == "sqlite":
                db.engine.dispose()
    finally:
        app.config.clear()
        app.config.update(config)


@pytest.fixture(autouse=True)
def _throttle_off():
    """Each test starts with the login throttle off, as TestingConfig means. The limiter is one object per
    process, and building any app with THROTTLE on (a production app, say) switches it on for every test
    that runs after it in the same process."""
    from coalition.auth import throttle

    throttle.limiter.enabled = False


_snapshots: dict[str, tuple[object, object]] = {}


@pytest.fixture
def snapshot(app, database, shared_apps, tmp_path_factory):
    """`snapshot(name, build)`: the rows `build()` writes, in this test's fresh database, and what it returned
    (plain values: no ORM object outlives its session).

    The first test to ask builds them and keeps a copy; every later test starts from that copy, the same
    rows with the same ids, in milliseconds instead of the build's tenths of a second. A large world that
    hundreds of tests share (the permission matrix, the odd-input tests) is built once per run and database.
    On SQLite the copy is the file; on PostgreSQL it is every row read back after the build, inserted again
    in one statement per table.
    """
    def take(name: str, build):
        if database == "sqlite":
            return _sqlite_snapshot(name, build)
        key = (database, name)
        if key in _snapshots:
            values, rows = _snapshots[key]
            _restore_rows(rows)
            return values
        values = build()
        db.session.commit()
        _snapshots[key] = (values, _read_rows())
        return values

    def _sqlite_snapshot(name: str, build):
        _, path = shared_apps("sqlite")
        if name in _snapshots:
            values, saved = _snapshots[name]
            _fresh_sqlite_file(app, path, saved)
            return values
        values = build()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
        saved = tmp_path_factory.mktemp("snapshot") / f"{name}.db"
        shutil.copy(path, saved)
        _snapshots[name] = (values, saved)
        return values

    return take


def _read_rows() -> list[tuple[sa.Table, list[dict]]]:
    """Every row of every table, parents first (the kept tables too: a build may have changed them)."""
    connection = db.session.connection()
    return [(table, [dict(row._mapping) for row in connection.execute(table.select())])
            for table in db.metadata.sorted_tables]


def _restore_rows(rows: list[tuple[sa.Table, list[dict]]]) -> None:
    """Put back what _read_rows read, into a database emptied by empty_postgres (which keeps the migrations'
    rows: those are replaced by the snapshot's own), with each id sequence past the restored ids."""
    connection = db.session.connection()
    kept = [table for table, _ in rows if table.name in _KEPT_TABLES]
    connection.exec_driver_sql("; ".join(f'DELETE FROM "{table.name}"' for table in kept))
    serial = []
    for table, table_rows in rows:
        if table_rows:
            connection.execute(table.insert(), table_rows)
            if "id" in table.c and table.c.id.autoincrement is not False and isinstance(table.c.id.type, sa.Integer):
                serial.append(table.name)
    if serial:
        # The sequences never go back, so they are past these ids already, unless the schema was migrated
        # again since the build (tests/test_migrations.py): then each is moved past its table's largest id.
        connection.exec_driver_sql("; ".join(
            f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), GREATEST((SELECT max(id) FROM \"{name}\"), "
            f"nextval(pg_get_serial_sequence('\"{name}\"', 'id'))))" for name in serial))
    db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def exact_cache(app):
    """The app with the exact cache on, as in production (tests run without it), emptied around the test."""
    from coalition.dashboards import cache

    app.config["DASHBOARD_CACHE"] = True
    cache._local.clear()
    yield app
    cache._local.clear()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """Read a CSRF token the way a browser gets one: from a rendered form."""
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, user, password: str = "correct horse battery") -> None:
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def post_form(client, path: str, data: dict, form_page: str | None = None):
    """POST a form with a valid CSRF token taken from `form_page` (default: `path`)."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token})
