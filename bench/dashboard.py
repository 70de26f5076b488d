"""Load the busiest pages with wrk, beside /healthz on the same server in the same run.

    .venv/bin/python bench/dashboard.py                              # demo size and --large-scale, both databases
    .venv/bin/python bench/dashboard.py --databases sqlite --scales 1 --duration 5

For each database (a SQLite file, a PostgreSQL database named `coalition_bench`) and each scale,
it migrates and seeds a fresh coalition (`coalition seed-demo --scale N`), starts gunicorn
(`coalition.wsgi:app`, --web-workers sync workers, Redis db 14 for the dashboard cache when Redis
answers), signs in as the demo coordinator (a session cookie for pages, a bearer token for the
API), then runs wrk against each path for --duration seconds with --connections connections and
prints p50, p95 and requests/s, and each path's p50 as a multiple of /healthz's. Needs `wrk`
(Debian: `apt-get install wrk`).

Then the after-a-write case: --rounds times, a progress update posted through the API (a real
write, committed, bumping the data version), then `/dashboard` on a new connection, timed; and
/healthz timed the same way, sequentially, in the same run. Its p50 as a multiple of /healthz's is
the issue's goal (≤ 10× at 100,000 deliverables; at 1,000,000 within 2× of that).

    .venv/bin/python bench/dashboard.py --databases postgres --scales 100 --only-after-write
    .venv/bin/python bench/dashboard.py --database-url postgresql+psycopg://…/big --only-after-write  # seeded already
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PATHS = ["/healthz", "/dashboard", "/api/v1/dashboard", "/groups/ethics/dashboard", "/groups/ethics", "/",
         "/api/v1/deliverables?group=ethics"]
PASSWORD = "coalition-demo"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/coalition_bench"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")  # emptied before each run
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT p50=%d p95=%d requests=%d errors=%d seconds=%f\\n",
    latency:percentile(50), latency:percentile(95), summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.duration / 1e6))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def run(args: list[str], env: dict, **kwargs) -> None:
    subprocess.run(args, env=env, cwd=ROOT, check=True, **kwargs)


def prepare(database: str, scale: int, env: dict, folder: Path) -> tuple[str, float]:
    if database == "sqlite":
        url = f"sqlite:///{folder}/bench-{scale}.db"
    else:
        url = POSTGRES
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", "DROP DATABASE IF EXISTS coalition_bench"],
                       check=True, capture_output=True)
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", "CREATE DATABASE coalition_bench"],
                       check=True, capture_output=True)
    env = {**env, "DATABASE_URL": url}
    run([str(BIN / "coalition"), "db", "upgrade"], env, capture_output=True)
    started = time.perf_counter()
    run([str(BIN / "coalition"), "seed-demo", "--scale", str(scale)], env, stdout=subprocess.DEVNULL)
    return url, time.perf_counter() - started


def sign_in(base: str) -> tuple[str, str]:
    """A session cookie (for pages) and a bearer token (for the API) of the demo coordinator."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"email": "coordinator@example.org", "password": PASSWORD, "csrf_token": token})
    opener.open(f"{base}/login", data=form.encode())
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    request = urllib.request.Request(f"{base}/api/v1/tokens", method="POST", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"email": "coordinator@example.org", "password": PASSWORD,
                                                      "name": "bench"}).encode())
    bearer = json.loads(urllib.request.urlopen(request).read())["token"]
    return cookie, bearer


def load(base: str, path: str, cookie: str, bearer: str, duration: int, connections: int, script: str) -> dict:
    header = f"Authorization: Bearer {bearer}" if path.startswith("/api/") else f"Cookie: {cookie}"
    probe = urllib.request.Request(base + path, headers=dict([header.split(": ", 1)]))
    with urllib.request.urlopen(probe) as response:  # a warm-up, and proof the path answers 200
        assert response.status == 200, (path, response.status)
    output = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", script, "-H", header, base + path],
                            check=True, capture_output=True, text=True).stdout
    values = dict(re.findall(r"(\w+)=([\d.]+)", output.split("RESULT", 1)[1]))
    return {"p50": int(values["p50"]) / 1000, "p95": int(values["p95"]) / 1000,
            "rps": int(values["requests"]) / float(values["seconds"]), "errors": int(values["errors"])}


def _timed(url: str, headers: dict) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        response.read()
        assert response.status == 200, (url, response.status)
    return (time.perf_counter() - started) * 1000


def after_write(base: str, cookie: str, bearer: str, rounds: int) -> dict:
    """p50/p95 of /dashboard right after a committed progress update, and of /healthz, sequentially."""
    api = {"Authorization": f"Bearer {bearer}"}
    listed = json.loads(urllib.request.urlopen(urllib.request.Request(
        f"{base}/api/v1/deliverables?group=ethics&per_page=50", headers=api)).read())
    target = listed["items"][len(listed["items"]) // 2]["id"]
    page = {"Cookie": cookie}
    for _ in range(3):  # warm-up: both processes' imports, connections and the context cache
        _timed(base + "/dashboard", page)
        _timed(base + "/healthz", {})
    board, floor = [], []
    for n in range(rounds):
        body = json.dumps({"status": "in_progress", "progress": 40 + n % 20, "note": "bench"}).encode()
        request = urllib.request.Request(f"{base}/api/v1/deliverables/{target}/updates", data=body, method="POST",
                                         headers={**api, "Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            assert response.status == 201, response.status
        board.append(_timed(base + "/dashboard", page))
        floor.append(_timed(base + "/healthz", {}))

    def percentile(values: list[float], share: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return {"board": (percentile(board, 0.5), percentile(board, 0.95)),
            "healthz": (percentile(floor, 0.5), percentile(floor, 0.95))}


def bench(database: str, scale: int, args, folder: Path, script: str) -> None:
    env = {**os.environ, "COALITION_ENV": "development", "SECRET_KEY": "bench-only", "DEMO_PASSWORD": PASSWORD,
           "COALITION_INSTANCE": str(folder / "instance")}
    use_redis = redis_answers()
    if use_redis:
        env["REDIS_URL"] = REDIS
        subprocess.run(["redis-cli", "-n", REDIS.rsplit("/", 1)[1], "FLUSHDB"], capture_output=True)
    if args.database_url:
        url, seeded = args.database_url, 0.0
    else:
        print(f"… {database}, scale {scale}: seeding", file=sys.stderr)
        url, seeded = prepare(database, scale, env, folder)
    env["DATABASE_URL"] = url
    counts = subprocess.run([str(BIN / "python"), "-c", (
        "from coalition import create_app; from coalition.extensions import db; import sqlalchemy as sa\n"
        "app = create_app()\nwith app.app_context():\n"
        "    print(*[db.session.scalar(sa.text(f'SELECT count(*) FROM {t}')) for t in ('deliverables', 'deliverable_updates')])")],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
    port = free_port()
    server = subprocess.Popen([str(BIN / "gunicorn"), "-w", str(args.web_workers), "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "coalition.wsgi:app"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz").read()
                break
            except OSError:
                time.sleep(0.2)
        cookie, bearer = sign_in(base)
        results = {} if args.only_after_write else {
            path: load(base, path, cookie, bearer, args.duration, args.connections, script) for path in PATHS}
        written = after_write(base, cookie, bearer, args.rounds) if args.rounds else None
    finally:
        server.terminate()
        server.wait(30)
    print(f"\n### {database}, scale {scale}: {int(counts[0]):,} deliverables, {int(counts[1]):,} updates "
          f"({f'seeded in {seeded:.0f} s' if seeded else 'seeded before'}; "
          f"dashboard cache in {'Redis' if use_redis else 'each process'})\n")
    if results:
        floor = results["/healthz"]["p50"] or 0.001
        print("| path | p50 ms | p95 ms | requests/s | p50 ÷ /healthz p50 | errors |")
        print("|---|---:|---:|---:|---:|---:|")
        for path, r in results.items():
            print(f"| `{path}` | {r['p50']:.1f} | {r['p95']:.1f} | {r['rps']:,.0f} | {r['p50'] / floor:.1f} | {r['errors']} |")
    if written:
        (b50, b95), (h50, h95) = written["board"], written["healthz"]
        print(f"\nAfter a write ({args.rounds} rounds: POST an update, then GET; sequential, new connections):\n")
        print("| path | p50 ms | p95 ms | p50 ÷ /healthz p50 |")
        print("|---|---:|---:|---:|")
        print(f"| `/healthz` | {h50:.1f} | {h95:.1f} | 1.0 |")
        print(f"| **`/dashboard` after a write** | **{b50:.1f}** | {b95:.1f} | **{b50 / (h50 or 0.001):.1f}** |")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--scales", default="1,100", help="comma-separated seed-demo scales (default: demo and 100)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per path")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--rounds", type=int, default=40, help="writes of the after-a-write case (0: skip it)")
    parser.add_argument("--only-after-write", action="store_true", help="skip the wrk load of every path")
    parser.add_argument("--database-url", help="benchmark this database as it is, without seeding (one database)")
    args = parser.parse_args()
    if args.database_url:
        args.databases = "postgres" if args.database_url.startswith("postgresql") else "sqlite"
        args.scales = "0"
    if not shutil.which("wrk") and not args.only_after_write:
        sys.exit("wrk is needed: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="coalition-bench-"))
    script = folder / "report.lua"
    script.write_text(LUA)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"wrk -t2 -c{args.connections} -d{args.duration}s per path; gunicorn -w {args.web_workers} (sync)")
    for database in args.databases.split(","):
        for scale in (int(s) for s in args.scales.split(",")):
            bench(database, scale, args, folder, str(script))


if __name__ == "__main__":
    main()
