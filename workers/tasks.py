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


@shared_task(name="workers.tasks.sweep_outbox")
def sweep_outbox() -> dict:
    """Send every outbox message that is due, including ones left queued while Redis was down."""
    from coalition.notifications.services import deliver_due

    return deliver_due()
