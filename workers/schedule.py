"""Every periodic job, in one list."""
from celery.schedules import crontab

BEAT_SCHEDULE: dict = {
    # Picks up every message that is due: new ones, retries after backoff, and any left queued.
    "sweep-outbox": {"task": "workers.tasks.sweep_outbox", "schedule": crontab(minute="*")},
    # Reminders are found by scanning the database, never by long ETAs; the scan is idempotent.
    "queue-reminders": {"task": "workers.tasks.queue_reminders", "schedule": crontab(minute="*/5")},
    # Each person's digest goes out in their own hour; the scan runs often, and a key per period
    # makes the later runs in that hour harmless.
    "queue-digests": {"task": "workers.tasks.queue_digests", "schedule": crontab(minute="*/15")},
    # Old sent messages lose their bodies (OUTBOX_KEEP_BODIES_DAYS); idempotent, so once a day is plenty.
    "prune-outbox": {"task": "workers.tasks.prune_outbox", "schedule": crontab(hour=4, minute=17)},
    # Stored answers to API retries and consumed form tokens are kept 24 hours; a daily sweep drops them.
    "prune-idempotency-keys": {"task": "workers.tasks.prune_idempotency_keys",
                               "schedule": crontab(minute=20, hour=3)},
    # The dashboards' progress moves per five-minute step are read for a month; older ones go once a day.
    "prune-dashboard-steps": {"task": "workers.tasks.prune_dashboard_steps", "schedule": crontab(minute=40, hour=3)},
}
