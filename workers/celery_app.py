"""The Celery entry point: `celery -A workers.celery_app worker` (and `beat`).

The Flask app is built here, and Celery comes from it, so every task runs inside the app's
context through the Task base class (Flask's own Celery pattern).
"""
from coalition import create_app
from workers.schedule import BEAT_SCHEDULE

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
celery_app.conf.beat_schedule = BEAT_SCHEDULE
celery_app.autodiscover_tasks(["workers"], related_name="tasks", force=True)
# `celery -A workers.celery_app` looks for an attribute named `celery` or `app`.
app = celery = celery_app
