"""Build the image and start the compose stack for real, then check what they promise.

Run through `scripts/image-check` (or `make image-check`), as root on the test machines:

1. the engine: Debian's docker.io and docker-compose when missing; `dockerd` (overlay2, no iptables, no
   bridge) when not running, stopped again at the end;
2. the base image: where it cannot be pulled, a stand-in built once with debootstrap (Debian's python3,
   the machine's CA bundle) and tagged as the Dockerfile's base, on this machine only; the tarball is kept
   in IMAGE_CHECK_CACHE (/var/cache/coalition-image-check), so the second run imports nothing;
3. `docker build` (the layer cache makes an unchanged build take seconds);
4. the image's promises: uid 10001, a HEALTHCHECK, no compiler, compiled catalogues, its size;
5. the stack (docker-compose.yml + docker-compose.test.yml, host network, the machine's PostgreSQL in a
   database of its own and Redis db 8): migrate, then web, worker, beat; /healthz, a Spanish page, a real
   login; a password-reset mail sent by a worker to an SMTP sink here; beat started; the HEALTHCHECK
   healthy; two workers and two reminder scans at once, each reminder sent once; torn down, nothing left.

Exit 0 when every check passed, 1 when one failed. Where no engine can be had at all (no Docker, and not
root with apt-get to install it) it says "skipped" and exits 0. Where one could run but did not (apt-get or
dockerd failed), that is a skip for a developer and a failure with CI=true.
"""
from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CACHE = Path(os.environ.get("IMAGE_CHECK_CACHE", "/var/cache/coalition-image-check"))
IMAGE = os.environ.get("IMAGE_CHECK_IMAGE", "coalition:image-check")
PROJECT = "coalition-image-check"
DATABASE = os.environ.get("IMAGE_CHECK_DATABASE", "image_check")
PG_ADMIN = os.environ.get("IMAGE_CHECK_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_DB = int(os.environ.get("IMAGE_CHECK_REDIS_DB", "8"))
DOCKERD_LOG = Path(os.environ.get("IMAGE_CHECK_DOCKERD_LOG", "/var/log/coalition-dockerd.log"))
# What the stand-in holds; a change here (or in the machine's CA bundle) builds a new one.
STANDIN_PACKAGES = "python3,python3-venv,python3-pip,ca-certificates"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
STANDIN_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"]

timings: dict[str, float] = {}
figures: dict[str, str] = {}


class Skip(Exception):
    """No Docker engine runs here. `absent`: none can be had at all (not root, no apt-get, no dockerd), which
    skips even in CI; otherwise an engine could have run, and CI=true makes that a failure."""

    def __init__(self, reason: str, absent: bool = False):
        super().__init__(reason)
        self.absent = absent


class Failed(Exception):
    """A check failed."""


def say(message: str) -> None:
    print(f"image-check: {message}", flush=True)


def run(args: list[str], *, check: bool = True, capture: bool = True, timeout: float = 900,
        env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=capture, text=True, timeout=timeout, env=env, input=input,
                            cwd=ROOT)
    if check and result.returncode != 0:
        output = (result.stdout or "")[-3000:] + (result.stderr or "")[-3000:] if capture else ""
        raise Failed(f"`{' '.join(args)}` exited {result.returncode}\n{output}")
    return result


class step:
    """Time a step and say how it went."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.started = time.monotonic()
        say(f"{self.name} …")

    def __exit__(self, kind, value, traceback):
        timings[self.name] = time.monotonic() - self.started
        if kind is None:
            say(f"{self.name}: ok ({timings[self.name]:.1f}s)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, probe, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = probe()
        except Exception:  # noqa: BLE001 - anything a probe raises means "not yet"
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failed(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


# --- 1. the engine ------------------------------------------------------------------------------

def docker_client() -> str | None:
    # Debian's client matches Debian's engine; any other one negotiates the API down to it.
    return "/usr/bin/docker" if Path("/usr/bin/docker").exists() else shutil.which("docker")


def engine_answers(docker: str | None) -> bool:
    return bool(docker) and subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode == 0


def install_engine() -> None:
    wanted = [name for name, binary in (("docker.io", "dockerd"), ("docker-compose", "docker-compose"),
                                        ("debootstrap", "debootstrap")) if not shutil.which(binary)]
    if not wanted:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise Skip(f"{', '.join(wanted)} missing and cannot be installed here (needs root and apt-get)",
                   absent="docker.io" in wanted)
    say(f"installing Debian's {' '.join(wanted)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if run(["apt-get", "install", "-y", "-qq", *wanted], check=False, env=env).returncode != 0:
        run(["apt-get", "update", "-qq"], check=False, env=env)
        result = run(["apt-get", "install", "-y", "-qq", *wanted], check=False, env=env)
        if result.returncode != 0:
            raise Skip(f"apt-get could not install {' '.join(wanted)}: {result.stderr.strip()[-500:]}")


def start_engine() -> subprocess.Popen | None:
    """Make sure an engine answers; return the dockerd this run started (to stop it at the end)."""
    docker = docker_client()
    if engine_answers(docker):
        return None
    install_engine()
    docker = docker_client()
    if engine_answers(docker):
        return None
    if os.geteuid() != 0 or not shutil.which("dockerd"):
        raise Skip("no Docker engine answers, and dockerd cannot be started here (needs root)", absent=True)
    say("starting dockerd (overlay2, no iptables, no bridge)")
    log = open(DOCKERD_LOG, "ab")
    dockerd = subprocess.Popen(["dockerd", "--storage-driver=overlay2", "--iptables=false", "--bridge=none"],
                               stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 60
    while dockerd.poll() is None and not engine_answers(docker) and time.monotonic() < deadline:
        time.sleep(0.5)
    if dockerd.poll() is not None or not engine_answers(docker):
        stop_engine(dockerd)
        tail = DOCKERD_LOG.read_text(errors="replace")[-1500:] if DOCKERD_LOG.exists() else ""
        raise Skip(f"dockerd did not start (see {DOCKERD_LOG}):\n{tail}") from None
    return dockerd


def stop_engine(dockerd: subprocess.Popen | None) -> None:
    if dockerd is None or dockerd.poll() is not None:
        return
    dockerd.send_signal(signal.SIGTERM)
    try:
        dockerd.wait(60)
    except subprocess.TimeoutExpired:
        dockerd.kill()
        dockerd.wait(10)
    # dockerd leaves its network namespace mounted; nothing of this run stays behind.
    for line in Path("/proc/mounts").read_text().splitlines():
        target = line.split()[1]
        if target.startswith("/run/docker/netns/"):
            subprocess.run(["umount", target], capture_output=True)
    say(f"dockerd stopped (pid {dockerd.pid})")


def compose_command(docker: str) -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    raise Failed("neither docker-compose nor the compose plugin is installed")


# --- 2. the base image ------------------------------------------------------------------------

def base_images() -> list[str]:
    bases = re.findall(r"^FROM\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.M)
    return sorted({base for base in bases if not base.startswith("--")})


def debian_mirror() -> tuple[str, str]:
    """The machine's own Debian mirror and release, as apt is configured (named nowhere in the project)."""
    release = re.search(r"^VERSION_CODENAME=(\w+)", Path("/etc/os-release").read_text(), re.M)
    if not release:
        raise Failed("not a Debian machine: the stand-in needs debootstrap and a Debian mirror")
    texts = [p.read_text() for p in [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]
             if p.is_file() and p.suffix in (".list", ".sources")]
    for text in texts:
        for uri in re.findall(r"^URIs:\s*(\S+)", text, re.M) + re.findall(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)", text, re.M):
            if uri.rstrip("/").endswith("/debian"):
                return uri, release.group(1)
    raise Failed("found no Debian mirror in apt's sources")


def standin(base: str, docker: str) -> None:
    """Tag a stand-in for `base` built from Debian's packages; cached as a tarball and by a label."""
    mirror, release = debian_mirror()
    recipe = f"{release}|minbase|{STANDIN_PACKAGES}|{STANDIN_ENV}|".encode() + CA_BUNDLE.read_bytes()
    key = hashlib.sha256(recipe).hexdigest()[:16]
    present = run([docker, "image", "inspect", "--format", "{{index .Config.Labels \"coalition.standin\"}}", base],
                  check=False)
    if present.returncode == 0 and present.stdout.strip() == key:
        figures["base"] = f"stand-in {key} (already imported)"
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    tarball = CACHE / f"standin-{release}-{key}.tar"
    if not tarball.exists():
        if not shutil.which("debootstrap"):
            install_engine()
        folder = Path(tempfile.mkdtemp(prefix="standin-", dir=CACHE))
        try:
            folder.chmod(0o755)  # the tarball's root becomes the image's /: uid 10001 must enter it
            say(f"debootstrap {release} (minbase + {STANDIN_PACKAGES}) from the machine's mirror")
            run(["debootstrap", "--variant=minbase", f"--include={STANDIN_PACKAGES}", release, str(folder), mirror],
                timeout=1200)
            # pip in the build reaches the package registry through this machine's TLS: trust what it trusts.
            shutil.copyfile(CA_BUNDLE, folder / "etc/ssl/certs/ca-certificates.crt")
            for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
                for item in (folder / cache).glob("*"):
                    if item.is_file():
                        item.unlink()
            partial = tarball.with_suffix(".partial")
            run(["tar", "--numeric-owner", "-C", str(folder), "-cf", str(partial), "."])
            partial.rename(tarball)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        for old in CACHE.glob("standin-*.tar"):
            if old != tarball:
                old.unlink()
    changes = [f"ENV {item}" for item in STANDIN_ENV] + ['CMD ["python3"]', f"LABEL coalition.standin={key}"]
    args = [docker, "import"]
    for change in changes:
        args += ["--change", change]
    run([*args, str(tarball), base])
    figures["base"] = f"stand-in {key} (imported from {tarball})"


def ensure_bases(docker: str, started_engine: bool) -> None:
    for base in base_images():
        labels = run([docker, "image", "inspect", "--format", "{{json .Config.Labels}}", base], check=False)
        is_standin = labels.returncode == 0 and "coalition.standin" in labels.stdout
        if labels.returncode == 0 and not is_standin:
            figures["base"] = f"{base} (present)"
            continue
        if not is_standin and not started_engine and os.environ.get("IMAGE_CHECK_STANDIN") != "1":
            # An engine of the developer's own: the real base, if a registry answers.
            if run([docker, "pull", base], check=False, timeout=300).returncode == 0:
                figures["base"] = f"{base} (pulled)"
                continue
            # Never put a stand-in under the real base's name on someone's own engine unasked: their next
            # production build would use it.
            raise Failed(f"{base} cannot be pulled; IMAGE_CHECK_STANDIN=1 builds a Debian stand-in tagged as "
                         f"{base} on this engine (your later builds would use it until you pull the real one)")
        if os.geteuid() != 0:
            raise Failed(f"{base} cannot be pulled, and its stand-in needs root (debootstrap)")
        standin(base, docker)


# --- 3 and 4. the image and its promises ------------------------------------------------------------

def build(docker: str) -> None:
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    # The build stage gets a tag of its own: its layers are then never "dangling", and pruning what earlier
    # runs left untagged keeps the layer cache.
    run([docker, "build", "--network", "host", "--target", "build", "-t", f"{IMAGE}-build", "."], timeout=1800,
        env=env)
    run([docker, "build", "--network", "host", "-t", IMAGE, "."], timeout=1800, env=env)


def promises(docker: str) -> None:
    info = json.loads(run([docker, "image", "inspect", IMAGE]).stdout)[0]
    config = info["Config"]
    if config.get("User") != "10001":
        raise Failed(f"the image runs as {config.get('User')!r}, not 10001")
    health = config.get("Healthcheck") or {}
    if "/healthz" not in " ".join(health.get("Test") or []):
        raise Failed(f"no HEALTHCHECK on /healthz: {health}")
    figures["image size"] = f"{info['Size'] / 1e6:.0f} MB"
    probe = ("id -u; for tool in gcc cc c++ g++ clang make ld as; do command -v $tool && echo COMPILER; done; "
             "ls coalition/translations/*/LC_MESSAGES/messages.mo; "
             "python -c 'import sys; print(sys.prefix, sys.version.split()[0])'")
    out = run([docker, "run", "--rm", "--network", "none", IMAGE, "sh", "-c", probe]).stdout
    lines = out.split()
    if lines[0] != "10001":
        raise Failed(f"the container's uid is {lines[0]}, not 10001")
    if "COMPILER" in out:
        raise Failed(f"a compiler is in the final stage:\n{out}")
    if "coalition/translations/es/LC_MESSAGES/messages.mo" not in out:
        raise Failed(f"the Spanish catalogue is not compiled:\n{out}")
    if "/opt/venv" not in out:
        raise Failed(f"python does not run from /opt/venv:\n{out}")
    figures["python"] = out.split("/opt/venv")[1].split()[0]


# --- 5. the stack ------------------------------------------------------------------------------

class Sink:
    """An SMTP server on loopback that keeps what it receives (aiosmtpd)."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                from email import message_from_bytes

                with sink.lock:
                    sink.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def of_kind(self, kind: str) -> list:
        with self.lock:
            return [m for m in self.messages if m.get("X-Coalition-Kind") == kind]

    def stop(self):
        self.controller.stop()


class Browser:
    """Just enough of one: cookies by hand (the production cookies are Secure, and this is plain HTTP)."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}

    def request(self, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=15)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response.status, dict(response.headers), response.read().decode("utf-8", "replace")

    @staticmethod
    def csrf(page: str) -> str:
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
            re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
        if not found:
            raise Failed("no CSRF token in the form")
        return html.unescape(found.group(1))


def psql(sql: str, database: str = DATABASE) -> list[tuple]:
    import psycopg

    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + database
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def fresh_stores() -> None:
    psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)', "postgres")
    psql(f'CREATE DATABASE "{DATABASE}"', "postgres")
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()


def drop_stores() -> None:
    try:
        psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)', "postgres")
        import redis

        redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
    except Exception as error:  # noqa: BLE001 - cleaning up after a failure must not hide it
        say(f"could not drop the check's database or Redis db: {error}")


class Stack:
    """The compose stack with the test override, run from a folder holding the .env an operator writes."""

    def __init__(self, compose: list[str], docker: str, port: int, smtp_port: int):
        self.docker = docker
        self.folder = Path(tempfile.mkdtemp(prefix="coalition-image-check-"))
        (self.folder / ".env").write_text("\n".join([
            f"SECRET_KEY={secrets.token_urlsafe(48)}", "POSTGRES_PASSWORD=unused-by-the-check",
            f"BASE_URL=http://127.0.0.1:{port}", "TRUSTED_PROXIES=0", "SMTP_HOST=127.0.0.1",
            f"SMTP_PORT={smtp_port}", "SMTP_STARTTLS=false", "MAIL_FROM=Coalition <no-reply@image-check.invalid>",
            "DEMO_PASSWORD=coalition-demo", "LOG_FORMAT=json", ""]))
        self.env = {**os.environ, "COALITION_IMAGE": IMAGE, "IMAGE_CHECK_SOURCE": str(ROOT),
                    "IMAGE_CHECK_DATABASE_URL": PG_ADMIN.replace("postgresql://", "postgresql+psycopg://")
                    .rsplit("/", 1)[0] + "/" + DATABASE,
                    "IMAGE_CHECK_REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}", "IMAGE_CHECK_PORT": str(port)}
        # Compose merges the file and its override itself. What an override cannot say to Debian's
        # docker-compose 1.29 (no `!reset`): the published ports go, since they mean nothing on the host's
        # network (docker-compose refuses both at once).
        merged = run(compose + ["--project-directory", str(self.folder), "-f", str(ROOT / "docker-compose.yml"),
                                "-f", str(ROOT / "docker-compose.test.yml"), "config"], env=self.env).stdout
        import yaml

        config = yaml.safe_load(merged)
        for service in config["services"].values():
            if service.get("network_mode") == "host":
                service.pop("ports", None)
        resolved = self.folder / "docker-compose.yml"
        resolved.write_text(yaml.safe_dump(config, sort_keys=False))
        self.base = compose + ["-p", PROJECT, "--project-directory", str(self.folder), "-f", str(resolved)]

    def __call__(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        return run([*self.base, *args], env=self.env, check=check, timeout=timeout)

    def containers(self, service: str | None = None, every: bool = False) -> list[str]:
        args = [self.docker, "ps", "-q", "--filter", f"label=com.docker.compose.project={PROJECT}"]
        if service:
            args += ["--filter", f"label=com.docker.compose.service={service}"]
        if every:
            args.append("-a")
        return run(args).stdout.split()

    def logs(self, service: str) -> str:
        return self("logs", "--no-color", service, check=False).stdout

    def health(self, service: str) -> str:
        ids = self.containers(service)
        if not ids:
            return "absent"
        return run([self.docker, "inspect", "--format", "{{.State.Health.Status}}", ids[0]]).stdout.strip()

    def down(self, last: bool = False) -> None:
        self("down", "--volumes", "--remove-orphans", "--timeout", "20", check=False)
        if last:
            shutil.rmtree(self.folder, ignore_errors=True)


def check_stack(stack: Stack, sink: Sink, port: int) -> None:
    with step("stack: migrate, then web, worker and beat"):
        stack("up", "-d", "web", "worker", "beat", timeout=600)
        migrate = stack.containers("migrate", every=True)
        state = run([stack.docker, "inspect", "--format", "{{.State.ExitCode}}", migrate[0]]).stdout.strip()
        if state != "0":
            raise Failed(f"migrate exited {state}:\n{stack.logs('migrate')[-3000:]}")
        tables = psql("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")[0][0]
        version = psql("SELECT version_num FROM alembic_version")
        figures["migrations"] = f"{tables} tables, alembic head {version[0][0]}"
        for service in ("web", "worker", "beat"):
            if not stack.containers(service):
                raise Failed(f"{service} is not running:\n{stack.logs(service)[-3000:]}")

    with step("seed-demo in a one-off container"):
        stack("run", "--rm", "--no-deps", "migrate", "coalition", "seed-demo", timeout=600)

    base = f"http://127.0.0.1:{port}"
    browser = Browser(base)
    with step("web: /healthz, a Spanish page, a real login"):
        wait_for("/healthz", lambda: browser.request("/healthz")[0] == 200, 90)
        status, _, page = browser.request("/login")
        if status != 200 or 'lang="es"' not in page or "Iniciar sesión" not in page:
            raise Failed(f"the login page is not the Spanish one ({status}):\n{page[:1500]}")
        status, headers, _ = browser.request("/login", {"csrf_token": browser.csrf(page), "email":
                                                         "coordinator@example.org", "password": "coalition-demo"})
        if status != 302:
            raise Failed(f"the login answered {status}, not a redirect")
        status, _, page = browser.request(urllib.parse.urlparse(headers["Location"]).path or "/")
        if status != 200 or "coordinator@example.org" not in page and "Cerrar sesión" not in page:
            raise Failed(f"after the login, the home page answered {status}:\n{page[:1500]}")
        figures["login"] = "coordinator@example.org → 302 → home 200 (Spanish)"

    with step("worker: a password-reset mail reaches the SMTP sink"):
        _, _, page = browser.request("/password/forgot")
        forgot = Browser(base)
        _, _, page = forgot.request("/password/forgot")
        status, _, _ = forgot.request("/password/forgot", {"csrf_token": forgot.csrf(page),
                                                           "email": "member@example.org"})
        if status != 302:
            raise Failed(f"the reset request answered {status}")
        mail = wait_for("the reset mail", lambda: [m for m in sink.messages if m["To"] and
                                                   "member@example.org" in m["To"]], 90)
        from email.header import decode_header, make_header

        subject = str(make_header(decode_header(mail[0]["Subject"])))
        figures["mail"] = f"{subject!r} to {mail[0]['To']} ({mail[0]['X-Coalition-Kind']})"

    with step("beat: started and scheduling"):
        wait_for("beat's start", lambda: "beat: Starting" in stack.logs("beat"), 60)

    with step("the image's HEALTHCHECK turns healthy"):
        wait_for("web to be healthy", lambda: stack.health("web") == "healthy", 90, every=2)

    with step("two workers, two reminder scans at once: each reminder sent once"):
        stack("up", "-d", "--no-recreate", "--scale", "worker=2", "worker", timeout=300)
        workers = wait_for("two workers", lambda: len(stack.containers("worker")) == 2 and stack.containers("worker"),
                           60)
        wait_for("both workers ready", lambda: all("ready" in run([stack.docker, "logs", w], check=False).stderr
                                                   for w in workers), 90, every=1)
        scans = [subprocess.Popen([stack.docker, "exec", w, "coalition", "reminders", "--inline"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
                 for w in workers]
        outputs = [scan.communicate(timeout=300)[0] for scan in scans]
        if any(scan.returncode for scan in scans):
            raise Failed("a reminder scan failed:\n" + "\n".join(outputs))
        rows = psql("SELECT id FROM outbox_messages WHERE kind = 'reminder'")
        if not rows:
            raise Failed("the demo has no reminder due: nothing to show")
        expected = {f"<outbox-{row[0]}@" for row in rows}

        def all_sent():
            return not psql("SELECT 1 FROM outbox_messages WHERE kind = 'reminder' AND status <> 'sent'")

        wait_for("every reminder sent", all_sent, 180, every=1)
        time.sleep(3)  # a duplicate would arrive now
        received = [m["Message-ID"] for m in sink.of_kind("reminder")]
        ids = {mid.split("@")[0] + "@" for mid in received}
        if len(received) != len(set(received)) or ids != expected:
            raise Failed(f"{len(rows)} reminders in the outbox, {len(received)} received "
                         f"({len(set(received))} distinct)")
        figures["reminders"] = (f"2 scans at once on 2 workers: {len(rows)} reminders written once, "
                                f"{len(received)} received, none twice")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep-engine", action="store_true", help="leave a dockerd this run started running")
    parser.add_argument("--no-stack", action="store_true", help="build and check the image only")
    options = parser.parse_args()
    started = time.monotonic()
    dockerd = stack = sink = None
    try:
        with step("engine"):
            dockerd = start_engine()
        docker = docker_client()
        compose = compose_command(docker)
        with step("base image"):
            ensure_bases(docker, dockerd is not None)
        with step("docker build"):
            build(docker)
            if dockerd is not None:  # the test machine's own engine: drop what earlier builds left untagged
                run([docker, "image", "prune", "--force"], check=False)
        with step("the image's promises"):
            promises(docker)
        if not options.no_stack:
            fresh_stores()
            sink = Sink()
            port = free_port()
            stack = Stack(compose, docker, port, sink.port)
            stack.down()
            try:
                check_stack(stack, sink, port)
            except Failed:
                for service in ("migrate", "web", "worker", "beat"):
                    print(f"--- {service} (last lines)\n{stack.logs(service)[-2000:]}", file=sys.stderr)
                raise
            finally:
                with step("tear down"):
                    stack.down(last=True)
                    left = stack.containers(every=True)
                    if left:
                        raise Failed(f"containers left after `down`: {left}")
    except Skip as reason:
        if IN_CI and not reason.absent:
            say(f"FAILED: no Docker engine, and CI=true requires one: {reason}")
            return 1
        say(f"skipped: no Docker engine here ({reason}). Install Docker (or run as root on Debian) to check the image.")
        return 0
    except (Failed, subprocess.TimeoutExpired) as error:
        say(f"FAILED: {error}")
        return 1
    finally:
        if sink:
            sink.stop()
        if stack:
            drop_stores()
        if dockerd is not None and not options.keep_engine:
            stop_engine(dockerd)
    total = time.monotonic() - started
    say("passed in {:.0f}s".format(total))
    for name, seconds in timings.items():
        print(f"  {name:<60} {seconds:6.1f}s")
    for name, value in figures.items():
        print(f"  {name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
