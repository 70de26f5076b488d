"""Settings per environment, read from the environment (see README's Configuration)."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("COALITION_INSTANCE", ROOT / "instance"))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class BaseConfig:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'coalition.db'}"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    BASE_URL = os.environ.get("BASE_URL") or "http://127.0.0.1:5000"
    INSTANCE_PATH = str(INSTANCE)

    MAIL_FROM = os.environ.get("MAIL_FROM") or "Coalition <no-reply@coalition.local>"
    SMTP_HOST = os.environ.get("SMTP_HOST") or None
    SMTP_PORT = int(os.environ.get("SMTP_PORT") or 25)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME") or None
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD") or None
    SMTP_STARTTLS = _bool("SMTP_STARTTLS")

    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD") or "coalition-demo"

    # The coalition's home timezone: its "today" (due dates, overdue), dashboard months and days,
    # calendar files, and the default of anonymous visitors and of new accounts.
    COALITION_TIMEZONE = os.environ.get("COALITION_TIMEZONE") or "America/Mexico_City"
    BABEL_DEFAULT_LOCALE = "es"
    BABEL_DEFAULT_TIMEZONE = COALITION_TIMEZONE
    LANGUAGES = ("es", "en")

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Spreadsheet imports (coalition/imports): a larger file or more rows is refused, nothing written.
    # Only the import pages accept a request body this large (plus the form's own few bytes).
    IMPORT_MAX_BYTES = 10 * 1024 * 1024
    IMPORT_MAX_ROWS = 50_000
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Server sessions (coalition/auth/sessions.py): "remember me" lasts this long, other sessions
    # end after PERMANENT_SESSION_LIFETIME idle; last_seen is written at most once a
    # SESSION_TOUCH_SECONDS.
    REMEMBER_COOKIE_DURATION = 14 * 24 * 3600
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    SESSION_TOUCH_SECONDS = 60

    # New outbox rows are handed to a worker as soon as their transaction commits.
    OUTBOX_DISPATCH = True
    # A worker's claim on a message it is sending; if the worker dies, the message is sent again
    # after this long (tests of a killed worker shorten it).
    OUTBOX_CLAIM_LEASE_SECONDS = int(os.environ.get("OUTBOX_CLAIM_LEASE_SECONDS") or 300)
    # Sent messages keep their bodies and attachments this long; then only their metadata stays.
    OUTBOX_KEEP_BODIES_DAYS = int(os.environ.get("OUTBOX_KEEP_BODIES_DAYS") or 90)

    # Privilege paths (coalition/auth/reauth.py) ask for the password again after this long; an API
    # token counts as a fresh login for this long after it is created.
    REAUTH_MINUTES = 15

    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto/-Host (0 trusts none).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES") or 0)
    # "json" for one JSON object per log line (production's default), "text" otherwise.
    LOG_FORMAT = os.environ.get("LOG_FORMAT") or "text"
    LOG_LEVEL = os.environ.get("LOG_LEVEL") or "INFO"
    # /metrics answers only with "Authorization: Bearer <METRICS_TOKEN>" (404 without the setting).
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None

    # Contributions to a consultation from one address (the public form and the API share the counter).
    CONTRIBUTION_LIMITS = os.environ.get("CONTRIBUTION_LIMITS") or "10 per minute;200 per hour"

    # Dashboard figures are cached exactly (see coalition/dashboards/cache.py).
    DASHBOARD_CACHE = True

    # The reminder and health rules (SPEC's defaults; COALITION_<NAME> overrides, as JSON).
    # A deliverable in progress with no update for this many days is stale: its owner is nudged,
    # then its group's leads after STALE_ESCALATION_DAYS more, then the coordinators after as many again.
    STALE_AFTER_DAYS = 14
    STALE_ESCALATION_DAYS = 7
    # An open deliverable's owner is reminded this many days before it is due (each step once).
    DUE_SOON_DAYS = (7, 1)
    # A held meeting still without minutes: its organiser is reminded this many days after it.
    MINUTES_REMINDER_DAYS = (3, 7)
    # A digest shows the deliverables due, and the meetings held, within this many days.
    DIGEST_AHEAD_DAYS = 14
    PER_PAGE = 25

    # The public portal (coalition/portal): how long a browser or a shared cache may reuse a page
    # before revalidating it (a 304 when nothing changed; 0: every time, so a publish or an unpublish
    # is seen at once), and the licence of its open data (an SPDX id).
    PORTAL_MAX_AGE = int(os.environ.get("PORTAL_MAX_AGE") or 0)
    OPEN_DATA_LICENSE = os.environ.get("OPEN_DATA_LICENSE") or "CC-BY-4.0"

    # The web server's master serves its busiest pages to itself before forking the workers, so that
    # they share what a first request builds (coalition.wsgi.warm_up; docs/perf/peer.md).
    WARM_UP = True


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or "sqlite://"
    # Still argon2id, at a cost that keeps hundreds of test logins fast.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 8192
    # Tests send mail themselves (or start a real worker that turns this on).
    OUTBOX_DISPATCH = False
    # Each test has a fresh database whose data version starts again at 0: a cache shared by the
    # whole run would mix them up. tests/dashboards/test_cache.py turns it on for itself.
    DASHBOARD_CACHE = False
    # Thousands of logins from one address: tests of throttling turn it on for themselves.
    THROTTLE = False
    # An app built by a test serves only that test's requests.
    WARM_UP = False


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    LOG_FORMAT = os.environ.get("LOG_FORMAT") or "json"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @classmethod
    def check(cls) -> None:
        """Refuse to start with unsafe settings."""
        problems = []
        if not os.environ.get("SECRET_KEY"):
            problems.append("SECRET_KEY must be set")
        url = os.environ.get("DATABASE_URL", "")
        if not url or url.startswith("sqlite"):
            problems.append("DATABASE_URL must point to PostgreSQL, not SQLite")
        if not os.environ.get("REDIS_URL"):
            problems.append("REDIS_URL must be set")
        if problems:
            raise RuntimeError("Unsafe production configuration: " + "; ".join(problems))


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name: str | None = None) -> type[BaseConfig]:
    name = name or os.environ.get("COALITION_ENV") or "development"
    try:
        config = CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"COALITION_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
    if hasattr(config, "check"):
        config.check()
    return config
