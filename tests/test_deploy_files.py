"""The deployment files, checked statically: the Dockerfile with hadolint, the compose file's shape (and the
test machines' override), and .env.example against every setting the code reads. The image is built and the
stack started for real by scripts/image-check, which .ci/run runs beside the suite."""
from __future__ import annotations

import json
import os
import re
import runpy
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[1]


def test_the_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(hadolint).exists():
        pytest.fail("hadolint is missing (pip install -e '.[dev]')") if IN_CI else pytest.skip("hadolint is missing")
    result = subprocess.run([hadolint, "--config", str(ROOT / ".hadolint.yaml"), str(ROOT / "Dockerfile")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_unprivileged_checks_its_health_and_compiles_translations():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.count("FROM ") >= 2  # multi-stage
    assert re.search(r"^USER\s+10001$", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert "pybabel compile" in dockerfile and "gunicorn" in dockerfile
    # The code runs from /app, where templates/ and the compiled catalogues are.
    assert "PYTHONPATH=/app" in dockerfile and "COPY templates templates" in dockerfile
    # Everything installed into one venv that the final stage copies: the same layout on python:3.11-slim and
    # on Debian's python3 (whose `pip install --prefix` puts scripts under local/bin: the stand-in showed it).
    assert "python3 -m venv /opt/venv" in dockerfile and "COPY --from=build /opt/venv /opt/venv" in dockerfile
    assert "--prefix" not in dockerfile and re.search(r"^ENV PATH=/opt/venv/bin:\$PATH", dockerfile, re.M)


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_is_valid_against_the_compose_specification_schema():
    import jsonschema

    schema = json.loads((ROOT / "tests" / "vendor" / "compose-spec.json").read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(compose())]
    assert errors == []
    broken = compose()
    broken["services"]["web"]["ports"] = "8000"  # a string where a list belongs
    assert list(validator.iter_errors(broken)), "the schema check accepts anything"


def test_the_test_override_is_valid_and_changes_only_where_the_stack_runs():
    import jsonschema

    schema = json.loads((ROOT / "tests" / "vendor" / "compose-spec.json").read_text())
    override = yaml.safe_load((ROOT / "docker-compose.test.yml").read_text())
    assert list(jsonschema.Draft201909Validator(schema).iter_errors(override)) == []
    services = override["services"]
    assert set(services) == set(compose()["services"])
    assert all(service["network_mode"] == "host" for service in services.values())
    for role in ("migrate", "web", "worker", "beat"):  # the app itself is the production image, unchanged
        assert "image" not in services[role] and "entrypoint" not in services[role]
    # Only the web's address and the workers' node names differ from production's commands.
    assert services["web"]["command"][:3] == compose()["services"]["web"]["command"][:3]
    assert "workers.celery_app worker" in services["worker"]["command"][-1]
    assert "command" not in services["migrate"] and "command" not in services["beat"]


def test_compose_has_the_stack_a_migration_first_and_one_beat():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    assert services["migrate"]["command"] == ["coalition", "db", "upgrade"]
    for role in ("web", "worker", "beat"):
        assert services[role]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[role]["environment"]["COALITION_ENV"] == "production"
        assert services[role]["env_file"] == ".env"
    assert services["web"]["command"][0] == "gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "-A", "workers.celery_app", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "workers.celery_app", "beat"]
    assert "deploy" not in services["beat"]  # never replicated
    for store in ("postgres", "redis"):
        assert services[store]["healthcheck"] and services[store]["volumes"]
    assert set(compose()["volumes"]) == {"postgres-data", "redis-data"}


def test_compose_carries_no_secret_and_requires_the_database_password():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "${POSTGRES_PASSWORD:?" in text
    assert not re.search(r"(?i)(password|secret)[\w-]*:\s*['\"]?[A-Za-z0-9]{6,}", text)


def test_env_example_lists_every_setting_the_code_reads():
    example = (ROOT / ".env.example").read_text()
    read = set()
    for path in [*ROOT.glob("config/*.py"), *ROOT.glob("coalition/**/*.py"), *ROOT.glob("workers/*.py")]:
        text = path.read_text()
        read |= set(re.findall(r"""os\.environ(?:\.get)?[(\[]["']([A-Z_]+)["']""", text))
        read |= set(re.findall(r"""_bool\(["']([A-Z_]+)["']""", text))
    assert read, "no settings found: the pattern is stale"
    missing = sorted(name for name in read if name not in example)
    assert not missing, f".env.example does not mention {missing}"


@pytest.mark.parametrize("environment, problem", [
    ({"DATABASE_URL": "postgresql+psycopg://u@db/c", "REDIS_URL": "redis://r:6379/0"}, "SECRET_KEY"),
    ({"SECRET_KEY": "s" * 40, "REDIS_URL": "redis://r:6379/0"}, "DATABASE_URL"),
    ({"SECRET_KEY": "s" * 40, "DATABASE_URL": "sqlite:///x.db", "REDIS_URL": "redis://r:6379/0"}, "DATABASE_URL"),
    ({"SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql+psycopg://u@db/c"}, "REDIS_URL"),
])
def test_production_refuses_unsafe_settings_with_a_clear_message(environment, problem):
    env = {"PATH": "/usr/bin:/bin", "COALITION_ENV": "production", **environment}
    result = subprocess.run([sys.executable, "-c", "from coalition import create_app; create_app()"], env=env,
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0
    assert "Unsafe production configuration" in result.stderr and problem in result.stderr


# --- the web server's settings: one gunicorn.conf.py for the Procfile, the image and compose -------

def test_every_web_role_starts_gunicorn_with_the_shared_config():
    procfile_web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    dockerfile = (ROOT / "Dockerfile").read_text()
    image_command = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    compose_command = compose()["services"]["web"]["command"]
    for command in (procfile_web.split(), image_command, compose_command):
        assert "gunicorn.conf.py" in command and command[command.index("gunicorn.conf.py") - 1] in ("-c", "--config")
        # What the settings file decides (the app, preloading, hooks) is not repeated on a command line.
        assert not any(part.startswith(("coalition.wsgi", "--preload")) for part in command)
    assert re.search(r"^COPY gunicorn\.conf\.py \./$", dockerfile, re.M)


def test_gunicorn_config_preloads_the_app_and_reconnects_after_the_fork():
    from gunicorn.config import Config

    config = Config()
    for name, value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    assert config.preload_app is True
    assert config.wsgi_app == "coalition.wsgi:app"
    assert "after_fork" in config.post_fork.__code__.co_names  # each worker drops inherited connections


def test_preparing_the_app_leaves_no_database_connection_to_inherit(tmp_path):
    from coalition.extensions import db
    from coalition.wsgi import prepare

    from coalition import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/prepare.db"})
    prepare(app)
    with app.app_context():
        assert db.engine.dialect.server_version_info is not None  # the dialect met the database
        assert db.engine.pool.checkedin() == 0 and db.engine.pool.checkedout() == 0


def test_the_web_servers_app_leaves_alembic_out_and_the_cli_keeps_the_db_commands(tmp_path):
    # In a fresh interpreter: this one has imported Alembic for the test database already.
    env = {**os.environ, "COALITION_ENV": "development", "SECRET_KEY": "deploy-test",
           "DATABASE_URL": f"sqlite:///{tmp_path}/web.db", "COALITION_INSTANCE": str(tmp_path / "instance")}
    env.pop("REDIS_URL", None)
    probe = ("import sys; from coalition.wsgi import app; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'flask_migrate', 'mako'}), "
             "'migrate' in app.extensions, 'db' in app.cli.commands)")
    web = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert web.returncode == 0, web.stderr
    assert web.stdout.split() == ["[]", "False", "False"]
    upgrade = subprocess.run([str(Path(sys.executable).with_name("coalition")), "db", "upgrade"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    with sqlite3.connect(tmp_path / "web.db") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()


def _open_files(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            found.add(os.readlink(fd))
        except OSError:
            pass
    return found


def _children(pid: int) -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and
            (p / "stat").exists() and int((p / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid]


def test_preloaded_master_holds_no_database_connection_and_workers_answer(tmp_path):
    if not Path("/proc/self/fd").exists():
        pytest.skip("needs /proc")
    database = tmp_path / "served.db"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "COALITION_ENV": "development", "SECRET_KEY": "deploy-test",
           "DATABASE_URL": f"sqlite:///{database}", "COALITION_INSTANCE": str(tmp_path / "instance")}
    env.pop("REDIS_URL", None)
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "--config", "gunicorn.conf.py",
                               "--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-control-socket",
                               "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while len(_children(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        answers = []
        while time.monotonic() < deadline and len(answers) < 20:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    answers.append(response.status)
            except OSError:
                time.sleep(0.2)
        assert answers == [200] * 20
        workers = _children(server.pid)
        assert len(workers) == 2
        # The master met the database while preparing (the file exists) and closed it before forking;
        # the workers that answered opened their own.
        assert database.exists()
        assert str(database) not in _open_files(server.pid)
        assert any(str(database) in _open_files(worker) for worker in workers)
    finally:
        server.terminate()
        server.wait(30)
