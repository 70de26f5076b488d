"""Every periodic job, in one list (the workers issue fills it: reminders, digests, outbox sweep)."""
from celery.schedules import crontab  # noqa: F401  (the entries below use it)

BEAT_SCHEDULE: dict = {
    "ping": {"task": "workers.tasks.ping", "schedule": crontab(minute="*/30")},
}
