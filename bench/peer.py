"""Coalition beside Indico, in one run: the same data, the same server shape, the same client.

    .venv/bin/python bench/peer.py                       # seed, measure Indico, measure us, print
    .venv/bin/python bench/peer.py -n 50 --warmup 10 --write docs/perf/peer.md
    .venv/bin/python bench/peer.py --no-peer --keep-data # only our side, on the database seeded last time

Our side: a fresh PostgreSQL database (`coalition_peer`; --database), `coalition db upgrade`,
`coalition seed-demo --scale 1`, then `bench/meetings_seed.py` (200 meetings in one group, one a day
from 99 days ago to 100 ahead, and tomorrow's big meeting; see ../shared/peers/README.md). It is
served like the peer: gunicorn with 2 sync workers, with the project's own `gunicorn.conf.py`
(the one the Procfile, the Dockerfile and compose use), COALITION_ENV=production, Redis db 10.

The peer: ../shared/peers/indico/measure.sh (PEER=--peer-dir; it installs Indico on its first run,
starts its own PostgreSQL, Redis and gunicorn, measures and stops them), run first, while nothing
of ours runs. Our pages are then timed with the peer's own client code (`indico/bench.py`'s `run`:
warm-up sent 4 at a time, then N sequential requests on new connections, p50/p95), logged in as the
demo coordinator. Memory: PSS (`/proc/<pid>/smaps_rollup`, shared pages counted once) and RSS of
the gunicorn master and its workers, cold (app loaded, no request yet) and warm (after the run).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
# ../shared/peers beside the project (or beside the folder of worktrees); PEERS_DIR says otherwise.
PEERS = Path(os.environ.get("PEERS_DIR") or next(
    (folder for folder in (ROOT.parent / "shared" / "peers", ROOT.parent.parent / "shared" / "peers")
     if (folder / "indico" / "measure.sh").exists()), ROOT.parent / "shared" / "peers"))
PASSWORD = "coalition-demo"
COORDINATOR = "coordinator@example.org"

# (label, Indico's case key in indico/bench.py, our path template)
PAGES = [
    ("floor (`/robots.txt` / `/healthz`)", "a", "/healthz"),
    ("a group's meetings (200 events / 100 a page)", "eb", "/meetings?group={group}&when=all&per_page=100"),
    ("the big meeting", "ec", "/meetings/{meeting}"),
    ("that meeting's `.ics`", "ed", "/meetings/{meeting}.ics"),
    ("the person's home (Indico: user dashboard)", "ef", "/"),
]


# --- processes and memory --------------------------------------------------------------------

def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # the command name may hold spaces and parentheses: the ppid is after the last ')'
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def _kib(pid: int, path: str, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/{path}").read_text()
    except OSError:
        return 0
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) if match else 0


def memory(master: int) -> dict:
    """PSS and RSS (MiB) of the master and each of its workers."""
    pids = [master, *children(master)]
    rows = [{"pid": pid, "pss": _kib(pid, "smaps_rollup", "Pss") / 1024, "rss": _kib(pid, "status", "VmRSS") / 1024}
            for pid in pids]
    return {"processes": rows, "pss": sum(r["pss"] for r in rows), "rss": sum(r["rss"] for r in rows)}


def wait_until_loaded(master: int, workers: int, timeout: float = 120) -> None:
    """Wait until every worker exists and their RSS stopped growing (the peer's definition of cold)."""
    previous, stable, deadline = -1, 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.5)
        kids = children(master)
        total = sum(_kib(pid, "status", "VmRSS") for pid in kids)
        stable = stable + 1 if len(kids) == workers and total == previous and total > 0 else 0
        previous = total
        if stable >= 4:
            return
    raise RuntimeError("gunicorn's workers did not settle")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- our data --------------------------------------------------------------------------------

def environment(args) -> dict:
    return {**os.environ, "COALITION_ENV": "production", "SECRET_KEY": "peer-bench-only-" + "x" * 32,
            "DATABASE_URL": f"postgresql+psycopg://postgres@{args.pg_host}:5432/{args.database}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}", "DEMO_PASSWORD": PASSWORD,
            "COALITION_INSTANCE": str(Path(args.instance).resolve()), "LOG_LEVEL": "WARNING"}


def seed(args, env: dict) -> dict:
    """Seed a fresh database (or keep the last one) and return {"group", "big_meeting_id"}."""
    saved = Path(args.instance) / "peer-seed.json"
    if args.keep_data and saved.exists():
        return json.loads(saved.read_text())
    psql = ["psql", "-h", args.pg_host, "-U", "postgres", "-q", "-c"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {args.database}"], check=True, capture_output=True)
    subprocess.run([*psql, f"CREATE DATABASE {args.database}"], check=True, capture_output=True)
    subprocess.run(["redis-cli", "-n", str(args.redis_db), "FLUSHDB"], check=True, capture_output=True)
    subprocess.run([str(BIN / "coalition"), "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([str(BIN / "coalition"), "seed-demo", "--scale", "1"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    script = ROOT / "bench" / "meetings_seed.py"
    if script.exists():
        out = subprocess.run([str(BIN / "python"), str(script)], env=env, cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
        ids = json.loads(out.strip().splitlines()[-1])
    else:
        ids = seed_meetings_fallback(env)
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps(ids))
    return ids


def seed_meetings_fallback(env: dict) -> dict:
    """The peer's meetings, in case bench/meetings_seed.py (the meetings domain's script) is absent."""
    code = r'''
import json
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo
import sqlalchemy as sa
from coalition import create_app
from coalition.extensions import db
from coalition.auth.models import User
from coalition.groups.models import GroupMembership, WorkingGroup
from coalition.meetings.models import ActionItem, Attendance, Decision, Meeting, MinutesRevision
zone = ZoneInfo("America/Mexico_City")
with create_app().app_context():
    me = db.session.execute(sa.select(User).where(User.email == "coordinator@example.org")).scalar_one()
    group = db.session.execute(sa.select(WorkingGroup).order_by(WorkingGroup.id).limit(1)).scalar_one()
    today = datetime.now(timezone.utc).astimezone(zone).date()
    people = db.session.execute(sa.select(User.id, User.institution_id).where(User.active.is_(True))
                                .order_by(User.id).limit(40)).all()
    big = None
    for offset in range(-99, 101):
        is_big = offset == 1
        starts = datetime.combine(today + timedelta(days=offset), time(9 if is_big else 10), tzinfo=zone)
        m = Meeting(group_id=group.id, title=f"Meeting {offset + 100}", starts_at=starts.astimezone(timezone.utc),
                    duration_minutes=480 if is_big else 60, location="Sala 1", organiser_id=me.id,
                    status="held" if offset < 0 else "scheduled",
                    agenda="\n".join(f"{i}. **Item {i}**: a [report](https://example.org/{i}) of 15 min"
                                     for i in range(1, 31)) if is_big else "Agenda")
        db.session.add(m)
        big = m if is_big else big
    db.session.flush()
    for i, (uid, inst) in enumerate(people):
        db.session.add(Attendance(meeting_id=big.id, user_id=uid, institution_id=inst,
                                  status=("attended", "absent", "excused")[i % 3]))
    db.session.add(MinutesRevision(meeting_id=big.id, author_id=me.id, body="\n\n".join(
        f"## Section {i}\n\nDiscussed *item {i}*; agreed.\n\n- one\n- two" for i in range(1, 31))))
    for i in range(5):
        db.session.add(Decision(meeting_id=big.id, text=f"Decision {i}", author_id=me.id))
        db.session.add(ActionItem(meeting_id=big.id, text=f"Action {i}", assignee_id=me.id))
    db.session.commit()
    print(json.dumps({"group": group.slug, "big_meeting_id": big.id}))
'''
    out = subprocess.run([str(BIN / "python"), "-c", code], env=env, cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- the peer --------------------------------------------------------------------------------

def measure_peer(args) -> dict:
    """Run the peer's measure.sh; return its version line, its results by case key and its memory."""
    env = {**os.environ, "PEER": args.peer_dir}
    print(f"… Indico: {PEERS / 'indico' / 'measure.sh'} {args.n} {args.warmup} (PEER={args.peer_dir})", file=sys.stderr)
    # Not from our folder: gunicorn reads ./gunicorn.conf.py by default, and ours would preload the peer.
    proc = subprocess.run([str(PEERS / "indico" / "measure.sh"), str(args.n), str(args.warmup)], env=env,
                          cwd=PEERS / "indico", capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit("the peer's measure.sh failed")
    out = proc.stdout
    results = json.loads(Path(re.search(r"^json: (.+)$", out, re.M).group(1)).read_text())
    mem = {}
    for phase in ("cold", "warm"):
        line = re.search(rf"^{phase}\s+master.*$", out, re.M)
        if line:
            rss, pss = re.search(r"total RSS\s+([\d.]+) MiB \(PSS\s+([\d.]+) MiB\)", line.group(0)).groups()
            sizes = [float(x) for x in re.findall(r"(?:master|worker)\s+([\d.]+)", line.group(0))]
            mem[phase] = {"rss": float(rss), "pss": float(pss), "line": line.group(0).strip(), "rss_each": sizes}
    version = re.search(r"^Indico .*$", out, re.M)
    return {"version": version.group(0) if version else "Indico", "results": {r["key"]: r for r in results},
            "memory": mem}


# --- our side --------------------------------------------------------------------------------

def peer_client():
    """The peer's own client code (indico/bench.py), so both sides are timed the same way."""
    spec = importlib.util.spec_from_file_location("indico_bench", PEERS / "indico" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sign_in(base: str) -> dict:
    import requests

    # Production cookies are Secure and the bench speaks plain HTTP on loopback: it carries them itself.
    page = requests.get(f"{base}/login", timeout=30)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    response = requests.post(f"{base}/login", data={"email": COORDINATOR, "password": PASSWORD, "csrf_token": token},
                             cookies=dict(page.cookies), allow_redirects=False, timeout=30)
    if response.status_code != 302:
        raise RuntimeError(f"login failed: HTTP {response.status_code}")
    cookies = {**dict(page.cookies), **dict(response.cookies)}
    check = requests.get(f"{base}/", cookies=cookies, allow_redirects=False, timeout=30)
    if check.status_code != 200:
        raise RuntimeError(f"home after login: HTTP {check.status_code}")
    return cookies


def measure_ours(args, env: dict, ids: dict) -> dict:
    client = peer_client()
    port = args.port or free_port()
    command = [str(BIN / "gunicorn"), "-c", str(ROOT / args.gunicorn_config), "-w", str(args.workers),
               "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "--no-control-socket", "coalition.wsgi:app"]
    command += args.gunicorn_arg or []
    print(f"… Coalition: {' '.join(command[1:])}", file=sys.stderr)
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_loaded(server.pid, args.workers)
        cold = memory(server.pid)
        for _ in range(200):
            try:
                if client.requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        cookies = sign_in(base)
        results = {}
        for label, key, template in PAGES:
            path = template.format(group=ids["group"], meeting=ids["big_meeting_id"])
            results[key] = client.run(base, path, args.n, args.warmup, cookies=cookies)
            print(f"  done {key:3} {path}", file=sys.stderr)
        warm = memory(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    return {"results": results, "memory": {"cold": cold, "warm": warm}}


# --- the report ------------------------------------------------------------------------------

def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024 / 1024
    return f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Python {platform.python_version()}"


def report(args, peer: dict | None, ours: dict, ids: dict) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    gunicorn = subprocess.run([str(BIN / "gunicorn"), "--version"], capture_output=True, text=True).stdout.strip()
    lines = [f"Run of {now} on {machine()}; {gunicorn}, {args.workers} sync workers, PostgreSQL, "
             f"n = {args.n} sequential requests per page after {args.warmup} warm-up requests (4 at a time), "
             "logged in (the floor anonymous).", ""]
    if peer:
        lines += [f"Peer: {peer['version']}.", ""]
    lines += ["| page | Indico p50 / p95 ms | Coalition p50 / p95 ms | Indico ÷ Coalition (p50) | × floor (ours) |",
              "|---|---:|---:|---:|---:|"]
    floor = ours["results"]["a"]["p50_ms"]
    for label, key, template in PAGES:
        mine = ours["results"][key]
        theirs = peer["results"].get(key) if peer else None
        left = f"{theirs['p50_ms']:.1f} / {theirs['p95_ms']:.1f}" if theirs else "–"
        ratio = f"**{theirs['p50_ms'] / mine['p50_ms']:.1f}×**" if theirs else "–"
        lines.append(f"| {label} | {left} | {mine['p50_ms']:.1f} / {mine['p95_ms']:.1f} | {ratio} | "
                     f"{mine['p50_ms'] / floor:.1f} |")
    lines += ["", "Web tier memory, gunicorn master + 2 workers, MiB:", "",
              "| | Indico PSS (RSS) | Coalition PSS (RSS) | Coalition ÷ Indico (PSS) |", "|---|---:|---:|---:|"]
    for phase in ("cold", "warm"):
        mine = ours["memory"][phase]
        theirs = (peer or {}).get("memory", {}).get(phase)
        left = f"{theirs['pss']:.0f} ({theirs['rss']:.0f})" if theirs else "–"
        ratio = f"**{mine['pss'] / theirs['pss']:.2f}**" if theirs else "–"
        lines.append(f"| {phase} | {left} | {mine['pss']:.0f} ({mine['rss']:.0f}) | {ratio} |")
    each = " + ".join(f"{p['pss']:.0f}" for p in ours["memory"]["warm"]["processes"])
    lines += ["", f"Coalition warm PSS by process (master first): {each} MiB. Our data: group `{ids['group']}`, "
              f"big meeting {ids['big_meeting_id']}."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=50, help="timed requests per page (default 50)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--peer-dir", default=os.environ.get("PEER", "/tmp/indico-peer"))
    parser.add_argument("--no-peer", action="store_true", help="measure only our side")
    parser.add_argument("--database", default="coalition_peer")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--redis-db", type=int, default=10)
    parser.add_argument("--instance", default="/tmp/coalition-peer-instance")
    parser.add_argument("--keep-data", action="store_true", help="reuse the database this script seeded last time")
    parser.add_argument("--port", type=int)
    parser.add_argument("--gunicorn-config", default="gunicorn.conf.py")
    parser.add_argument("--gunicorn-arg", action="append", help="an extra gunicorn argument (repeatable)")
    parser.add_argument("--write", help="also write the report to this Markdown file (replacing its results block)")
    parser.add_argument("--json", help="write the raw figures here")
    args = parser.parse_args()

    env = environment(args)
    Path(args.instance).mkdir(parents=True, exist_ok=True)
    print(f"… seeding {args.database}", file=sys.stderr)
    ids = seed(args, env)
    peer = None if args.no_peer else measure_peer(args)
    ours = measure_ours(args, env, ids)
    text = report(args, peer, ours, ids)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps({"peer": peer, "ours": ours, "ids": ids}, indent=1))
    if args.write:
        write(Path(args.write), text)


BEGIN, END = "<!-- bench/peer.py: begin -->", "<!-- bench/peer.py: end -->"


def write(path: Path, text: str) -> None:
    """Put the results between the markers of `path` (appended when it has none)."""
    block = f"{BEGIN}\n{text}{END}\n"
    old = path.read_text() if path.exists() else ""
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END) + 1:]
    else:
        new = old + ("\n" if old else "") + block
    path.write_text(new)


if __name__ == "__main__":
    main()
