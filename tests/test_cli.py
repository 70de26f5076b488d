"""The `coalition` command: creating accounts and loading the demo coalition."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from coalition.auth.models import User
from coalition.auth.services import verify_password
from coalition.deliverables.models import Deliverable
from coalition.extensions import db
from coalition.groups.models import GroupMembership, WorkingGroup
from coalition.institutions.models import Institution

PASSWORD = "una frase larga y secreta"
DEMO_ACCOUNTS = {"admin@example.org": "admin", "coordinator@example.org": "coordinator",
                 "lead@example.org": "member", "member@example.org": "member"}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()


# --- create-user -----------------------------------------------------------------------------

def test_create_user_reads_the_password_from_stdin_and_stores_a_hash(app):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "Nueva.Persona@Example.org", "--name", "Nueva Persona", "--role", "coordinator",
        "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    person = _user("nueva.persona@example.org")
    assert person is not None
    assert (person.name, person.role, person.active) == ("Nueva Persona", "coordinator", True)
    assert person.password_hash.startswith("$argon2id$")
    assert PASSWORD not in person.password_hash
    assert verify_password(person.password_hash, PASSWORD)
    assert PASSWORD not in result.output
    assert "nueva.persona@example.org" in result.output


def test_create_user_with_an_institution(app):
    inst = Institution(name="Universidad CLI", sector="academia", state="JAL")
    db.session.add(inst)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=[
        "create-user", "con.inst@example.org", "--name", "Con Institución", "--institution", str(inst.id),
        "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert _user("con.inst@example.org").institution_id == inst.id


def test_create_user_refuses_a_duplicate_email_clearly(app):
    runner = app.test_cli_runner()
    args = ["create-user", "repetida@example.org", "--name", "Primera", "--password-stdin"]
    assert runner.invoke(args=args, input=PASSWORD + "\n").exit_code == 0
    result = runner.invoke(args=["create-user", "REPETIDA@example.org", "--name", "Segunda", "--password-stdin"],
                           input=PASSWORD + "\n")
    assert result.exit_code != 0
    assert "email" in result.output.lower()
    assert "Traceback" not in result.output
    assert _count(User) == 1
    assert _user("repetida@example.org").name == "Primera"


def test_create_user_refuses_a_bad_role_clearly(app):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "rol@example.org", "--name", "Rol Malo", "--role", "superuser", "--password-stdin"],
        input=PASSWORD + "\n")
    assert result.exit_code != 0
    assert "--role" in result.output and "superuser" in result.output
    assert _count(User) == 0


@pytest.mark.parametrize("args,password,word", [
    (["not-an-email"], PASSWORD, "email"),
    (["corta@example.org"], "corta", "password"),
    (["inst@example.org", "--institution", "999999"], PASSWORD, "institution"),
])
def test_create_user_refuses_bad_values_with_a_message(app, args, password, word):
    result = app.test_cli_runner().invoke(args=["create-user", *args, "--name", "Alguien", "--password-stdin"],
                                          input=password + "\n")
    assert result.exit_code != 0
    assert word in result.output.lower()
    assert "Traceback" not in result.output
    assert _count(User) == 0


# --- seed-demo -------------------------------------------------------------------------------

def test_seed_demo_fills_an_empty_database_then_refuses_a_second_run(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for email, role in DEMO_ACCOUNTS.items():
        person = _user(email)
        assert person is not None, email
        assert person.role == role
        assert verify_password(person.password_hash, app.config["DEMO_PASSWORD"])
    roles = dict(db.session.execute(
        sa.select(WorkingGroup.slug, GroupMembership.role).join(GroupMembership.group)
        .where(GroupMembership.user_id == _user("lead@example.org").id)).all())
    assert roles.get("ethics") == "lead"
    member_groups = db.session.scalars(
        sa.select(WorkingGroup.slug).join(GroupMembership, GroupMembership.group_id == WorkingGroup.id)
        .where(GroupMembership.user_id == _user("member@example.org").id)).all()
    assert member_groups == ["ethics"]
    institutions, people, deliverables = _count(Institution), _count(User), _count(Deliverable)
    assert institutions >= 110

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0
    assert again.output.strip()
    assert "Traceback" not in again.output
    assert (_count(Institution), _count(User), _count(Deliverable)) == (institutions, people, deliverables)


def test_seed_demo_refuses_a_database_with_other_data(app):
    db.session.add(User(email="real@example.org", name="Persona Real", role="admin"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert result.output.strip()
    assert _count(User) == 1 and _count(Institution) == 0


def test_seed_demo_if_empty_succeeds_quietly_on_a_database_with_data(app):
    db.session.add(User(email="real@example.org", name="Persona Real", role="admin"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 1
    assert _count(User) == 1 and _count(Institution) == 0


def test_seed_demo_rejects_a_zero_scale(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--scale", "0"])
    assert result.exit_code != 0
    assert _count(Institution) == 0


# --- the console script against DATABASE_URL ------------------------------------------------

def _coalition(env: dict, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("coalition")
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from coalition.cli import main; main()"]
    return subprocess.run([*command, *args], input=stdin, capture_output=True, text=True, env=env, timeout=300)


def test_console_script_migrates_and_creates_a_user_in_database_url(tmp_path):
    database = tmp_path / "cli.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "COALITION_ENV": "development",
           "COALITION_INSTANCE": str(tmp_path / "instance")}
    env.pop("FLASK_APP", None)

    upgraded = _coalition(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM working_groups").fetchone()[0] == 6

    created = _coalition(env, "create-user", "admin@example.net", "--name", "Admin CLI", "--role", "admin",
                         "--password-stdin", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    with sqlite3.connect(database) as conn:
        role, password_hash = conn.execute(
            "SELECT role, password_hash FROM users WHERE email = 'admin@example.net'").fetchone()
    assert role == "admin"
    assert password_hash.startswith("$argon2id$") and PASSWORD not in password_hash

    duplicate = _coalition(env, "create-user", "ADMIN@example.net", "--name", "Otra", "--password-stdin",
                           stdin=PASSWORD + "\n")
    assert duplicate.returncode != 0
    assert "email" in (duplicate.stderr + duplicate.stdout).lower()
    assert "Traceback" not in duplicate.stderr

    quiet = _coalition(env, "seed-demo", "--if-empty")
    assert quiet.returncode == 0, quiet.stderr
    refused = _coalition(env, "seed-demo")
    assert refused.returncode != 0
    assert refused.stderr.strip() or refused.stdout.strip()
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM institutions").fetchone()[0] == 0


def test_outbox_command_counts_requeues_and_sends(app, tmp_path):
    from coalition.notifications import services as outbox
    from coalition.notifications.models import OutboxMessage

    app.config["SMTP_HOST"] = None
    outbox.enqueue(kind="reminder", recipient="a@example.org", subject="s", text_body="t", dedupe_key="cli:1")
    outbox.enqueue(kind="reminder", recipient="b@example.org", subject="s", text_body="t", dedupe_key="cli:2")
    db.session.commit()
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.dedupe_key == "cli:2").values(status="failed"))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["outbox"])
    assert result.exit_code == 0 and "queued  1" in result.output and "failed  1" in result.output
    result = runner.invoke(args=["outbox", "--retry-failed", "--send-now"])
    assert result.exit_code == 0, result.output
    assert "Requeued 1" in result.output and "sent  2" in result.output
