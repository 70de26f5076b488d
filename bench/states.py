"""State chapters and policy instruments under load, beside /healthz on the same server in the same run.

    .venv/bin/python bench/states.py                                  # both databases, scales 1 and 100
    .venv/bin/python bench/states.py --databases sqlite --scales 1 --duration 5

Same method as bench/dashboard.py: for each database and scale it migrates and seeds a fresh coalition
(`coalition seed-demo --scale N`), starts gunicorn (--web-workers sync workers; Redis db 14 for the exact
cache when Redis answers), signs in as the demo coordinator and runs wrk for --duration seconds on:
`/healthz` (the floor), `/states` (the map), `/states/jal` (Jalisco's chapter), `/instruments/<id>` (the
Jalisco state AI strategy) and `/instruments`; then, anonymous, their public twins `/public/states`,
`/public/states/jal` and `/public/instruments/<id>`. Prints p50, p95, requests/s and each p50 as a
multiple of /healthz's (issue 15 asks for at most 5×). Needs `wrk` (`apt-get install wrk`).
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dashboard import BIN, LUA, PASSWORD, REDIS, free_port, load, prepare, redis_answers, sign_in  # noqa: E402

STRATEGY_QUERY = ("SELECT id FROM policy_instruments WHERE jurisdiction = 'JAL' AND kind = 'strategy' "
                  "AND published ORDER BY id LIMIT 1")


def strategy_id(env: dict) -> int:
    """The Jalisco state AI strategy the demo seeds (SPEC's demo), read from the database itself."""
    output = subprocess.run([str(BIN / "python"), "-c", (
        "from coalition import create_app; from coalition.extensions import db; import sqlalchemy as sa\n"
        f"app = create_app()\nwith app.app_context():\n    print(db.session.scalar(sa.text({STRATEGY_QUERY!r})))")],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
    return int(output[-1])


def bench(database: str, scale: int, args, folder: Path, script: str) -> None:
    env = {**os.environ, "COALITION_ENV": "development", "SECRET_KEY": "bench-only", "DEMO_PASSWORD": PASSWORD,
           "COALITION_INSTANCE": str(folder / "instance")}
    use_redis = redis_answers()
    if use_redis:
        env["REDIS_URL"] = REDIS
        subprocess.run(["redis-cli", "-n", "14", "FLUSHDB"], capture_output=True)
    print(f"… {database}, scale {scale}: seeding", file=sys.stderr)
    url, seeded = prepare(database, scale, env, folder)
    env["DATABASE_URL"] = url
    instrument = strategy_id(env)
    paths = ["/healthz", "/states", "/states/jal", f"/instruments/{instrument}", "/instruments",
             "/public/states", "/public/states/jal", f"/public/instruments/{instrument}"]
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
        # The public pages are loaded with the coordinator's cookie too: the portal ignores it (no session).
        results = {path: load(base, path, cookie, bearer, args.duration, args.connections, script) for path in paths}
    finally:
        server.terminate()
        server.wait(30)
    floor = results["/healthz"]["p50"] or 0.001
    print(f"\n### {database}, scale {scale} (seeded in {seeded:.0f} s; exact cache in "
          f"{'Redis' if use_redis else 'each process'})\n")
    print("| path | p50 ms | p95 ms | requests/s | p50 ÷ /healthz p50 | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for path, r in results.items():
        print(f"| `{path}` | {r['p50']:.1f} | {r['p95']:.1f} | {r['rps']:,.0f} | {r['p50'] / floor:.1f} | "
              f"{r['errors']} |")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--scales", default="1,100", help="comma-separated seed-demo scales (default: demo and 100)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per path")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    args = parser.parse_args()
    if not shutil.which("wrk"):
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
