"""The consultation under load: public submissions per second, and the coding queue and a recommendation's
trace page at 100,000 contributions, each beside /healthz on the same server in the same run.

    .venv/bin/python bench/consultation.py                               # both databases, scale 100
    .venv/bin/python bench/consultation.py --databases sqlite --scale 1 --duration 5

For each database (a SQLite file, a PostgreSQL database named `coalition_bench`) it migrates and
seeds a fresh coalition (`coalition seed-demo --scale N`: 1,000 × N contributions to
`consulta-nacional-ia`), starts gunicorn with --web-workers sync workers (two by default) on
`coalition:create_app(...)` with the rate limits switched off (`THROTTLE` false, plus any
`--setting KEY=JSON`), then runs wrk for --duration seconds per target:

* `/healthz`, the floor every other figure is divided by;
* `POST /consultations/principios-ia` as an anonymous visitor: the form's own fields (read from the
  page), a different text in every request (the duplicate check never short-cuts), consent given;
  a stored submission answers 303 to its receipt, and the script counts the rows it stored;
* `/consultations/consulta-nacional-ia/coding` as the demo lead, and `/recommendations/<id>` of the
  recommendation with the most sources, as the demo lead.

A page that answers 404 (not built yet) is skipped with a message. Needs `wrk` (`apt-get install wrk`).

    .venv/bin/python bench/consultation.py --import-rows 50000 [--database-url …]

times instead the paper import at the row limit: the preview, the import and a second import of
the same file (every row unchanged), without a server.
"""
from __future__ import annotations

import argparse
import html.parser
import http.cookiejar
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dashboard import BIN, LUA, PASSWORD, free_port, prepare, redis_answers  # noqa: E402

REDIS = "redis://127.0.0.1:6379/14"
OPEN = "principios-ia"
CLOSED = "consulta-nacional-ia"
LEAD = "lead@example.org"
# wrk sends a different body each time: the text carries the thread and a counter.
POST_LUA = """
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  thread_id = id
end
request = function()
  counter = counter + 1
  local text = "Propuesta+de+prueba+" .. thread_id .. "-" .. counter .. "-" .. math.random(1, 1000000000)
  return wrk.format("POST", PATH, HEADERS, BODY .. "&" .. TEXT_FIELD .. "=" .. text)
end
""" + LUA


class FormFields(html.parser.HTMLParser):
    """The public form's inputs: q1… and r<id> (first value of each choice), csrf_token, textareas."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name") or ""
        if tag == "textarea" and re.fullmatch(r"[qr]\d+", name):
            self.texts.append(name)
        elif tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("radio", "checkbox") and re.fullmatch(r"q\d+", name):
                self.values.setdefault(name, attrs.get("value") or "")
            elif kind == "hidden" and name == "csrf_token":
                self.values[name] = attrs.get("value") or ""
            elif kind == "text" and re.fullmatch(r"[qr]\d+", name):
                self.texts.append(name)


def opener_with_cookies():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def sign_in(base: str, email: str) -> str:
    opener, jar = opener_with_cookies()
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    opener.open(f"{base}/login", data=urllib.parse.urlencode(
        {"email": email, "password": PASSWORD, "csrf_token": token}).encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def status_of(base: str, path: str, cookie: str = "") -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(base + path, headers={"Cookie": cookie})) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wrk(base: str, path: str, script: str, duration: int, connections: int, headers: list[str]) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", script]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run([*command, base + path], check=True, capture_output=True, text=True).stdout
    values = dict(re.findall(r"(\w+)=([\d.]+)", output.split("RESULT", 1)[1]))
    return {"p50": int(values["p50"]) / 1000, "p95": int(values["p95"]) / 1000,
            "rps": int(values["requests"]) / float(values["seconds"]), "errors": int(values["errors"])}


def submission_script(base: str, folder: Path) -> tuple[str, list[str]] | None:
    """A wrk script that posts the open consultation's form, or None (with a message) when there is none."""
    opener, jar = opener_with_cookies()
    try:
        page = opener.open(f"{base}/consultations/{OPEN}").read().decode()
    except urllib.error.HTTPError as error:
        print(f"  skipped POST /consultations/{OPEN}: the page answers {error.code} (is the public form built?)",
              file=sys.stderr)
        return None
    fields = FormFields()
    fields.feed(page)
    if not fields.texts:
        print(f"  skipped POST /consultations/{OPEN}: no free-text question or comment box on its form",
              file=sys.stderr)
        return None
    text_field, *others = fields.texts
    body = {**fields.values, **{name: "Comentario de prueba" for name in others},
            "sector": "academia", "state": "JAL", "age_band": "30_44", "consent": "yes"}
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    script = folder / "submit.lua"
    path = f"/consultations/{OPEN}"
    headers = ["Content-Type: application/x-www-form-urlencoded"] + ([f"Cookie: {cookie}"] if cookie else [])
    lua_headers = "{" + ", ".join(f'["{h.split(": ", 1)[0]}"] = "{h.split(": ", 1)[1]}"' for h in headers) + "}"
    script.write_text(f'PATH = "{path}"\nHEADERS = {lua_headers}\nBODY = "{urllib.parse.urlencode(body)}"\n'
                      f'TEXT_FIELD = "{text_field}"\n' + POST_LUA)
    # One by hand first: a stored submission answers 303 (to its receipt).
    probe = urllib.request.Request(base + path, method="POST", headers=dict(h.split(": ", 1) for h in headers),
                                   data=f"{urllib.parse.urlencode(body)}&{text_field}=Primera+prueba".encode())

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        status = urllib.request.build_opener(NoRedirect).open(probe).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 303:
        print(f"  skipped POST {path}: a submission answered {status}, not 303", file=sys.stderr)
        return None
    return str(script), headers


def count_contributions(env: dict) -> int:
    return int(subprocess.run([str(BIN / "python"), "-c", (
        "from coalition import create_app; from coalition.extensions import db; import sqlalchemy as sa\n"
        "app = create_app()\nwith app.app_context():\n"
        "    print(db.session.scalar(sa.text('SELECT count(*) FROM contributions')))")],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()[-1])


def busiest_recommendation(env: dict) -> int:
    return int(subprocess.run([str(BIN / "python"), "-c", (
        "from coalition import create_app; from coalition.extensions import db; import sqlalchemy as sa\n"
        "app = create_app()\nwith app.app_context():\n"
        "    print(db.session.scalar(sa.text('SELECT recommendation_id FROM recommendation_contributions "
        "GROUP BY recommendation_id ORDER BY count(*) DESC LIMIT 1')))")],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()[-1])


def bench(database: str, args, folder: Path) -> None:
    env = {**os.environ, "COALITION_ENV": "development", "SECRET_KEY": "bench-only", "DEMO_PASSWORD": PASSWORD,
           "COALITION_INSTANCE": str(folder / "instance")}
    if redis_answers():
        env["REDIS_URL"] = REDIS
        subprocess.run(["redis-cli", "-n", "14", "FLUSHDB"], capture_output=True)
    print(f"… {database}, scale {args.scale}: seeding", file=sys.stderr)
    url, seeded = prepare(database, args.scale, env, folder)
    env["DATABASE_URL"] = url
    settings = {"THROTTLE": False}
    for setting in args.setting:
        key, _, value = setting.partition("=")
        settings[key] = json.loads(value)
    port = free_port()
    app = f"coalition.wsgi:serve(None, {settings!r})"  # as production serves it (coalition.wsgi)
    server = subprocess.Popen([str(BIN / "gunicorn"), "-w", str(args.web_workers), "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", app], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    plain = folder / "report.lua"
    plain.write_text(LUA)
    results: dict[str, dict] = {}
    stored = None
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz").read()
                break
            except OSError:
                time.sleep(0.2)
        results["/healthz"] = wrk(base, "/healthz", str(plain), args.duration, args.connections, [])
        submit = submission_script(base, folder)
        if submit:
            before = count_contributions(env)
            results[f"POST /consultations/{OPEN}"] = wrk(base, f"/consultations/{OPEN}", submit[0], args.duration,
                                                         args.connections, submit[1])
            stored = count_contributions(env) - before
        cookie = sign_in(base, LEAD)
        for path in (f"/consultations/{CLOSED}/coding", f"/recommendations/{busiest_recommendation(env)}"):
            status = status_of(base, path, cookie)
            if status != 200:
                print(f"  skipped {path}: it answers {status} to the demo lead (is the page built?)", file=sys.stderr)
                continue
            results[path] = wrk(base, path, str(plain), args.duration, args.connections, [f"Cookie: {cookie}"])
        results["/healthz (again)"] = wrk(base, "/healthz", str(plain), args.duration, args.connections, [])
    finally:
        server.terminate()
        server.wait(30)
    floor = results["/healthz"]["p50"] or 0.001
    print(f"\n### {database}, scale {args.scale}: {count_contributions(env):,} contributions "
          f"(seeded in {seeded:.0f} s; gunicorn -w {args.web_workers})\n")
    print("| target | p50 ms | p95 ms | requests/s | p50 ÷ /healthz p50 | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for target, r in results.items():
        print(f"| `{target}` | {r['p50']:.1f} | {r['p95']:.1f} | {r['rps']:,.0f} | {r['p50'] / floor:.1f} | "
              f"{r['errors']} |")
    if stored is not None:
        print(f"\nSubmissions stored during the POST run: {stored:,}.")
    sys.stdout.flush()


def import_figures(rows: int, url: str | None) -> None:
    """Preview, import and import again a paper file of `rows` contributions (no server, no wrk)."""
    import flask_migrate

    from bench.imports import timed
    from coalition import create_app
    from coalition.extensions import db
    from coalition.imports import services
    from tests.imports.consultation import consultation
    from tests.imports.helpers import csv_bytes
    from tests.imports.test_contributions import HEADER, _rows

    folder = tempfile.mkdtemp(prefix="bench-contributions-")
    url = url or f"sqlite:///{folder}/bench.db"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_DISPATCH": False})
    app.instance_path = folder
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        flask_migrate.upgrade(directory=str(ROOT / "coalition" / "migrations"))
        consultation("foros-ia")
        db.session.commit()
        data = csv_bytes([HEADER, *_rows(rows)])
        print(f"{platform.python_version()} on {platform.machine()}, {db.engine.dialect.name}; "
              f"file {len(data) / 1e6:.1f} MB")
        results: list = []
        options = {"consultation": "foros-ia"}

        def go(apply: bool):
            def run():
                if apply:
                    result = services.apply("contributions", None, data, "bench.csv", options, via="cli")
                    db.session.commit()
                else:
                    result = services.preview("contributions", None, data, "bench.csv", options)
                    db.session.rollback()
                assert not result.counts["error"], result.errors[:3]
                return result
            return run

        n = f"{rows:,}"
        timed(f"preview {n} new contributions", results, go(False))
        timed(f"import {n} new contributions", results, go(True))
        again = timed(f"import the same {n} contributions again", results, go(True))
        assert again.counts["unchanged"] == rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--import-rows", type=int, help="time the paper import at this many rows instead")
    parser.add_argument("--database-url", help="with --import-rows: the database (default: a SQLite file)")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--scale", type=int, default=100, help="seed-demo scale (100: 100,000 contributions)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per target")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--setting", action="append", default=[], metavar="KEY=JSON",
                        help="another app setting for the server (e.g. a submission limit switched off)")
    args = parser.parse_args()
    if args.import_rows:
        import_figures(args.import_rows, args.database_url)
        return
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="coalition-bench-"))
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"wrk -t2 -c{args.connections} -d{args.duration}s per target; gunicorn -w {args.web_workers} (sync)")
    for database in args.databases.split(","):
        bench(database, args, folder)


if __name__ == "__main__":
    main()
