"""Where a web worker's private memory comes from: pages copied from the master, or its own.

    .venv/bin/python bench/peer.py --no-peer -n 5          # seeds coalition_peer once
    .venv/bin/python bench/cow.py                          # then this, on the same data

Builds the app the way gunicorn.conf.py does (coalition.wsgi.serve in a "master", the collector
off until the fork), forks one "worker", and in it serves the comparison's requests (sign in, then
the five pages, each a few times) straight through the WSGI callable. Then it reads the worker's
/proc/self/pagemap: a page mapped by one process only (bit 56) that was present at the fork was
copied from the master (copy-on-write); one that was not is the worker's own. Last, it places every
live Python object on its pages and says which kinds of object sit on the copied pages.

Run as root (pagemap's flags need it). Figures are in MiB of 4 KiB pages.
"""
from __future__ import annotations

import argparse
import collections
import gc
import json
import os
import re
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE = os.sysconf("SC_PAGE_SIZE")
PRESENT, EXCLUSIVE = 1 << 63, 1 << 56
MIB = 1024 * 1024


def writable_private_ranges() -> list[tuple[int, int, str]]:
    """The process's private writable mappings (heap, anonymous, data segments)."""
    ranges = []
    for line in Path("/proc/self/maps").read_text().splitlines():
        fields = line.split(maxsplit=5)
        start, end = (int(part, 16) for part in fields[0].split("-"))
        perms = fields[1]
        name = fields[5] if len(fields) > 5 else "[anon]"
        if "w" in perms and "p" in perms and name not in ("[stack]", "[vvar]", "[vsyscall]"):
            ranges.append((start, end, name))
    return ranges


def page_flags(ranges) -> dict[int, int]:
    """{page number: pagemap entry} for every present page of the ranges."""
    flags = {}
    with open("/proc/self/pagemap", "rb") as pagemap:
        for start, end, _ in ranges:
            first, count = start // PAGE, (end - start) // PAGE
            pagemap.seek(first * 8)
            data = pagemap.read(count * 8)
            for index, (entry,) in enumerate(struct.iter_unpack("<Q", data)):
                if entry & PRESENT:
                    flags[first + index] = entry
    return flags


def request(app, method: str, path: str, cookies: dict, data: dict | None = None):
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Response

    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    builder = EnvironBuilder(path=path, method=method, data=data, headers=headers,
                             base_url="http://127.0.0.1:8000")
    response = Response.from_app(app, builder.get_environ())
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    return response


def serve_the_comparison(app, ids: dict, rounds: int) -> None:
    cookies: dict = {}
    page = request(app, "GET", "/login", cookies)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    answer = request(app, "POST", "/login", cookies,
                     {"email": "coordinator@example.org", "password": "coalition-demo", "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    paths = ["/healthz", f"/meetings?group={ids['group']}&when=all&per_page=100",
             f"/meetings/{ids['big_meeting_id']}", f"/meetings/{ids['big_meeting_id']}.ics", "/"]
    for _ in range(rounds):
        for path in paths:
            status = request(app, "GET", path, cookies).status_code
            assert status == 200, (path, status)


def package(name: str | None) -> str:
    return (name or "?").split(".")[0]


def code_origin(filename: str) -> str:
    """Where a code object's source lives: a site-packages package, our code, a template, or the rest."""
    if "site-packages/" in filename:
        return package(filename.split("site-packages/", 1)[1].split("/")[0])
    if f"{ROOT}/coalition/" in filename or f"{ROOT}/workers/" in filename:
        return "coalition"
    if filename.endswith(".html") or filename == "<template>":
        return "templates"
    return "stdlib and generated"


def kind(obj) -> str:
    """The object's type; for code and functions, with the package they come from."""
    name = type(obj).__name__
    if name == "code":
        return f"code ({code_origin(obj.co_filename)})"
    if name == "function":
        return f"function ({package(obj.__module__)})"
    return name


def owners(objects: list) -> dict[int, str]:
    """{id: top-level package} for every object, by the nearest module, class or function that reaches it.

    Classes and functions are claimed by the package that defines them; everything else by whichever
    of those reaches it first, breadth-first (a shared string goes to one of its users)."""
    owner: dict[int, str] = {}
    frontier: collections.deque = collections.deque()
    for name, module in list(sys.modules.items()):
        if module is None or name in ("__main__", "__mp_main__"):
            continue
        owner[id(module)] = package(name)
        frontier.append(module)
    for obj in objects:
        defined_in = obj.__dict__.get("__module__") if isinstance(obj, type) else (
            obj.__module__ if type(obj).__name__ == "function" else None)
        if isinstance(defined_in, str) and id(obj) not in owner:
            owner[id(obj)] = package(defined_in)
            frontier.append(obj)
    module_type = type(sys)
    while frontier:
        obj = frontier.popleft()
        claim = owner[id(obj)]
        for referent in gc.get_referents(obj):
            if id(referent) not in owner and not isinstance(referent, module_type):
                owner[id(referent)] = claim
                frontier.append(referent)
    return owner


def attribute(copied: set[int], own: set[int], shared: set[int]) -> dict:
    """Bytes of each kind of live object, and of each package's objects, on copied, own and still-shared pages."""
    gc.unfreeze()
    objects = gc.get_objects()
    seen = {id(objects)}
    found = []
    for obj in objects:
        found.append(obj)
        seen.add(id(obj))
    # Objects the collector does not track (strings, numbers, code) hang off the tracked ones.
    for obj in list(found):
        for referent in gc.get_referents(obj):
            if id(referent) not in seen:
                seen.add(id(referent))
                found.append(referent)
    owner = owners(objects)
    places = ("copied", "own", "shared")
    totals = {where: collections.Counter() for where in places}
    packages = {where: collections.Counter() for where in places}
    pages_with_objects = set()
    for obj in found:
        address = id(obj) - (16 if gc.is_tracked(obj) else 0)
        try:
            size = sys.getsizeof(obj, 64)
        except Exception:
            size = 64
        page = address // PAGE
        pages_with_objects.add(page)
        where = "copied" if page in copied else "own" if page in own else "shared" if page in shared else None
        if where:
            totals[where][kind(obj)] += size
            packages[where][owner.get(id(obj), "(reached by none)")] += size
    return {"totals": totals, "packages": packages, "pages_with_objects": pages_with_objects,
            "objects": len(found)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instance", default="/tmp/coalition-peer-instance")
    parser.add_argument("--database", default="coalition_peer")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    ids = json.loads((Path(args.instance) / "peer-seed.json").read_text())
    os.environ.update({"COALITION_ENV": "production", "SECRET_KEY": "peer-bench-only-" + "x" * 32,
                       "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.database}",
                       "REDIS_URL": "redis://127.0.0.1:6379/10", "COALITION_INSTANCE": args.instance,
                       "LOG_LEVEL": "WARNING", "SESSION_COOKIE_SECURE": "false"})
    gc.disable()
    import coalition.wsgi

    app = coalition.wsgi.app
    app.config["SESSION_COOKIE_SECURE"] = False
    app.config["REMEMBER_COOKIE_SECURE"] = False
    child = os.fork()
    if child:
        _, status = os.waitpid(child, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
    gc.enable()
    coalition.wsgi.after_fork()
    ranges = writable_private_ranges()
    at_fork = set(page_flags(ranges))
    serve_the_comparison(app, ids, args.rounds)
    flags = page_flags(writable_private_ranges())
    exclusive = {page for page, entry in flags.items() if entry & EXCLUSIVE}
    copied = exclusive & at_fork
    own = exclusive - at_fork
    shared = set(flags) - exclusive
    print(f"present {len(flags) * PAGE / MIB:.1f} MiB: shared with the master {len(shared) * PAGE / MIB:.1f}, "
          f"copied from it {len(copied) * PAGE / MIB:.1f}, the worker's own {len(own) * PAGE / MIB:.1f}")
    by_mapping = collections.Counter()
    for start, end, name in ranges:
        pages = set(range(start // PAGE, end // PAGE))
        by_mapping[Path(name).name if name.startswith("/") else name] += len(pages & copied)
    print("copied pages by mapping:", ", ".join(f"{n} {c * PAGE / MIB:.1f}" for n, c in by_mapping.most_common(8)))
    found = attribute(copied, own, shared)
    print(f"{found['objects']:,} live objects; copied pages holding none of them: "
          f"{len(copied - found['pages_with_objects']) * PAGE / MIB:.1f} MiB")
    for where in ("copied", "shared", "own"):
        totals = found["totals"][where]
        print(f"\nobjects on {where} pages ({sum(totals.values()) / MIB:.1f} MiB of objects):")
        for name, size in totals.most_common(args.top):
            print(f"  {size / MIB:7.2f}  {name}")
    copied_by, shared_by = found["packages"]["copied"], found["packages"]["shared"]
    print("\nby package, MiB of objects: on copied pages / on shared pages (copied share)")
    for name, size in (copied_by + shared_by).most_common(args.top):
        print(f"  {copied_by[name] / MIB:6.2f} / {shared_by[name] / MIB:6.2f}  ({copied_by[name] / size:4.0%})  {name}")


if __name__ == "__main__":
    main()
