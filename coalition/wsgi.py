"""The WSGI entry point: `gunicorn coalition.wsgi:app`."""
from coalition import create_app

app = create_app()
