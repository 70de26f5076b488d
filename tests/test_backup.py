"""scripts/pg-backup: a backup of a real coalition restores to the same rows, in one transaction."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IN_CI, POSTGRES_URL, WORKER

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "pg-backup"
TABLES = ("institutions", "users", "deliverables", "deliverable_updates", "meetings", "attendance")

pytestmark = pytest.mark.postgres


# The newest migration: a restored database is at it.
HEAD = max(path.name[:4] for path in (ROOT / "coalition" / "migrations" / "versions").glob("0*.py"))


def psql(database: str, sql: str) -> str:
    base = POSTGRES_URL.replace("postgresql+psycopg:", "postgresql:").rsplit("/", 1)[0]
    return subprocess.run(["psql", f"{base}/{database}", "-tAc", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def counts(database: str) -> dict[str, str]:
    return {table: psql(database, f"SELECT count(*) FROM {table}") for table in TABLES}


@pytest.fixture
def scratch_database():
    if not POSTGRES_URL:
        pytest.fail("TEST_POSTGRES_URL is not set but CI=true") if IN_CI else pytest.skip("TEST_POSTGRES_URL is not set")
    if not shutil.which("pg_dump"):
        pytest.fail("pg_dump is missing") if IN_CI else pytest.skip("pg_dump is missing")
    name = f"coalition_backup_test_{WORKER or 'main'}"  # each test worker its own
    psql("postgres", f"DROP DATABASE IF EXISTS {name}")
    psql("postgres", f"CREATE DATABASE {name}")
    yield name, POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_backup_restores_every_row_after_a_loss(scratch_database, tmp_path):
    name, url = scratch_database
    env = {**os.environ, "DATABASE_URL": url, "COALITION_ENV": "development", "COALITION_INSTANCE": str(tmp_path)}
    coalition = [str(Path(sys.executable).with_name("coalition"))]
    subprocess.run([*coalition, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run([*coalition, "seed-demo"], env=env, check=True, capture_output=True, cwd=ROOT)
    before = counts(name)
    assert int(before["deliverables"]) > 50

    dump = tmp_path / "coalition.dump"
    result = subprocess.run([str(SCRIPT), "backup", str(dump)], env=env, check=True, capture_output=True, text=True)
    assert dump.stat().st_size > 10_000 and "Backed up" in result.stdout

    psql(name, "DELETE FROM deliverable_updates; DELETE FROM attendance")  # the loss
    assert counts(name) != before
    subprocess.run([str(SCRIPT), "restore", str(dump)], env=env, check=True, capture_output=True)
    assert counts(name) == before
    assert psql(name, "SELECT version_num FROM alembic_version") == HEAD

    # Into a brand-new, empty database too (a restore onto a fresh server).
    psql("postgres", f"DROP DATABASE {name} WITH (FORCE)")
    psql("postgres", f"CREATE DATABASE {name}")
    subprocess.run([str(SCRIPT), "restore", str(dump)], env=env, check=True, capture_output=True)
    assert counts(name) == before


def test_a_damaged_archive_is_refused_and_changes_nothing(scratch_database, tmp_path):
    name, url = scratch_database
    env = {**os.environ, "DATABASE_URL": url}
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(b"PGDMP\x00garbage")
    result = subprocess.run([str(SCRIPT), "restore", str(damaged)], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert psql(name, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0"
