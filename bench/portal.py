"""The public portal under load, cold, warm and revalidated, beside /healthz on the same server in the same run.

    .venv/bin/python bench/portal.py                                  # both databases, scales 1 and 100
    .venv/bin/python bench/portal.py --databases sqlite --scales 1 --duration 5

Same method as bench/dashboard.py: for each database (a SQLite file, a PostgreSQL database named
`coalition_bench`) and each scale it migrates and seeds a fresh coalition (`coalition seed-demo
--scale N`), starts gunicorn (`coalition.wsgi:serve`, --web-workers sync workers, two by default;
Redis db 14 for the exact cache when Redis answers) and runs wrk for --duration seconds per target,
anonymous, as the public would:

* `/healthz`, the floor every other figure is divided by;
* warm: `/public` (home), `/public/agenda` and `/public/recommendations/<id>` (the published
  recommendation with the most deliverables, read from the portal's own open data);
* cold: the same three on a second server whose exact cache is switched off (`DASHBOARD_CACHE`
  false), so that every request builds the page from the database;
* a 304: `/public` with `If-None-Match` carrying the tag the page answered with.

Prints p50, p95 and requests/s, and each target's p50 as a multiple of /healthz's.
Needs `wrk` (`apt-get install wrk`).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dashboard import BIN, LUA, PASSWORD, REDIS, free_port, prepare, redis_answers  # noqa: E402

PAGES = ("/public", "/public/agenda")


def start(env: dict, settings: dict, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    app = f"coalition.wsgi:serve(None, {settings!r})"
    server = subprocess.Popen([str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", app], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/healthz").read()
            return server, base
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start")


def probe(url: str, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def load(url: str, headers: dict, expect: int, args, script: str) -> dict:
    status, answered = probe(url, headers)  # a warm-up, and proof the target answers as it should
    assert status == expect, (url, status)
    assert "Set-Cookie" not in answered or url.endswith("/healthz"), (url, "set a cookie")
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "-s", script]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], check=True, capture_output=True, text=True).stdout
    values = dict(part.split("=") for part in output.split("RESULT", 1)[1].split())
    return {"p50": int(values["p50"]) / 1000, "p95": int(values["p95"]) / 1000,
            "rps": int(values["requests"]) / float(values["seconds"]), "errors": int(values["errors"])}


def busiest_recommendation(base: str) -> int:
    with urllib.request.urlopen(base + "/public/data/recommendations.json") as response:
        items = json.load(response)["items"]
    return max(items, key=lambda item: (len(item.get("deliverables") or []), -item["id"]))["id"]


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
    results: dict[str, dict] = {}
    server, base = start(env, {}, args.web_workers)
    try:
        recommendation = f"/public/recommendations/{busiest_recommendation(base)}"
        results["/healthz"] = load(base + "/healthz", {}, 200, args, script)
        for path in (*PAGES, recommendation):
            results[f"{path} (warm)"] = load(base + path, {}, 200, args, script)
        _status, headers = probe(base + "/public")
        results["/public (304)"] = load(base + "/public", {"If-None-Match": headers["ETag"]}, 304, args, script)
    finally:
        server.terminate()
        server.wait(30)
    server, base = start(env, {"DASHBOARD_CACHE": False}, args.web_workers)
    try:
        results["/healthz (second server)"] = load(base + "/healthz", {}, 200, args, script)
        for path in (*PAGES, recommendation):
            results[f"{path} (cold)"] = load(base + path, {}, 200, args, script)
    finally:
        server.terminate()
        server.wait(30)
    floor = results["/healthz"]["p50"] or 0.001
    print(f"\n### {database}, scale {scale} (seeded in {seeded:.0f} s; exact cache in "
          f"{'Redis' if use_redis else 'each process'})\n")
    print("| target | p50 ms | p95 ms | requests/s | p50 ÷ /healthz p50 | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for target, r in results.items():
        print(f"| `{target}` | {r['p50']:.1f} | {r['p95']:.1f} | {r['rps']:,.0f} | {r['p50'] / floor:.1f} | "
              f"{r['errors']} |")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--scales", default="1,100", help="comma-separated seed-demo scales (default: demo and 100)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per target")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="coalition-bench-"))
    script = folder / "report.lua"
    script.write_text(LUA)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"wrk -t2 -c{args.connections} -d{args.duration}s per target; gunicorn -w {args.web_workers} (sync)")
    for database in args.databases.split(","):
        for scale in (int(s) for s in args.scales.split(",")):
            bench(database, scale, args, folder, str(script))


if __name__ == "__main__":
    main()
