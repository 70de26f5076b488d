"""Gunicorn's settings for the web role, shared by the Procfile, the Dockerfile and docker-compose.yml.

Their command lines add only what differs between them: the address and the number of workers.
Measured in docs/perf/peer.md: preloading takes the web tier's memory (PSS, master + 2 workers)
from about 225 to 125 MiB before the first request.
"""
from __future__ import annotations

import gc

wsgi_app = "coalition.wsgi:app"

# The master builds the app once and forks the workers from it: they share its code and start-up
# objects page by page (copy-on-write) instead of each importing and building its own copy.
preload_app = True

# No collection in the master until the fork: each one would free objects between live ones, and the
# workers' first allocations would land in those holes, copying the shared page (Python's gc docs).
gc.disable()


def post_fork(server, worker):
    """Turn the collector back on and give the worker its own database and Redis connections."""
    gc.enable()
    from coalition.wsgi import after_fork

    after_fork()


def child_exit(server, worker):
    """Let the metrics of a worker that exited stop counting as live (prometheus multiprocess mode)."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
