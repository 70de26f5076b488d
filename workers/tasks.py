"""Tasks: one-line wrappers around services, taking ids, never objects."""
from celery import shared_task


@shared_task(name="workers.tasks.ping")
def ping() -> str:
    """Answer, so a deployment can check that a worker and beat are alive."""
    import sqlalchemy as sa

    from coalition.extensions import db

    db.session.execute(sa.text("SELECT 1"))
    return "pong"


@shared_task(name="workers.tasks.send_message")
def send_message(message_id: int) -> str | None:
    """Send one outbox message (a no-op if it was sent or taken meanwhile)."""
    from coalition.notifications.services import deliver

    return deliver(message_id)


@shared_task(name="workers.tasks.send_batch")
def send_batch(message_ids: list[int]) -> dict:
    """Send the outbox messages of one dispatch (those already sent or taken are skipped)."""
    from coalition.notifications.services import deliver_ids

    return deliver_ids(message_ids)


@shared_task(name="workers.tasks.sweep_outbox")
def sweep_outbox() -> dict:
    """Send every outbox message that is due, including ones left queued while Redis was down."""
    from coalition.notifications.services import deliver_due

    return deliver_due()


@shared_task(name="workers.tasks.prune_outbox")
def prune_outbox() -> int:
    """Drop the bodies and attachments of long-sent outbox messages (their rows stay); count them."""
    from coalition.notifications.services import prune

    return prune()


@shared_task(name="workers.tasks.queue_reminders")
def queue_reminders(at_iso: str | None = None) -> dict:
    """Write the reminders due now (or at `at_iso`) to the outbox; they are dispatched on commit."""
    from datetime import datetime

    from coalition.database import utcnow
    from coalition.extensions import db
    from coalition.notifications import reminders

    at = datetime.fromisoformat(at_iso) if at_iso else utcnow()
    written = reminders.queue_reminders(at)
    db.session.commit()
    return written


@shared_task(name="workers.tasks.queue_digests")
def queue_digests(at_iso: str | None = None, frequency: str | None = None) -> dict:
    """Write the digests due now (or at `at_iso`) to the outbox; they are dispatched on commit."""
    from datetime import datetime

    from coalition.database import utcnow
    from coalition.extensions import db
    from coalition.notifications import digests

    at = datetime.fromisoformat(at_iso) if at_iso else utcnow()
    outcome = digests.queue_digests(at, frequency)
    db.session.commit()
    return outcome


@shared_task(name="workers.tasks.prune_idempotency_keys")
def prune_idempotency_keys() -> int:
    """Forget the API idempotency keys and consumed form tokens older than their 24 hours."""
    from coalition import idempotency
    from coalition.extensions import db

    removed = idempotency.prune()
    db.session.commit()
    return removed


@shared_task(name="workers.tasks.prune_dashboard_steps")
def prune_dashboard_steps() -> int:
    """Drop the dashboards' per-step progress moves that no window reads any more."""
    from coalition.dashboards import tallies
    from coalition.database import utcnow
    from coalition.extensions import db

    removed = tallies.prune_steps(db.session, utcnow())
    db.session.commit()
    return removed
