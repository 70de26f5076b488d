"""Tasks: one-line wrappers around services, taking ids, never objects."""
from celery import shared_task


@shared_task(name="workers.tasks.ping")
def ping() -> str:
    """Answer, so a deployment can check that a worker and beat are alive."""
    from coalition.extensions import db
    import sqlalchemy as sa

    db.session.execute(sa.text("SELECT 1"))
    return "pong"
