"""Every periodic job, in one list."""
from celery.schedules import crontab

BEAT_SCHEDULE: dict = {
    # Picks up every message that is due: new ones, retries after backoff, and any left queued.
    "sweep-outbox": {"task": "workers.tasks.sweep_outbox", "schedule": crontab(minute="*")},
}
