"""The WSGI entry point: `gunicorn coalition.wsgi:app` (or `"coalition.wsgi:serve(None, {...})"` with settings)."""
import gc

from coalition import create_app


def serve(config_name: str | None = None, overrides: dict | None = None):
    """The application for a web worker, its start-up objects moved out of the garbage collector's way."""
    application = create_app(config_name, overrides)
    # Everything built so far (the app, its routes, templates' code, catalogues, mappers) lives as long
    # as the process: frozen, the collector stops re-scanning it on every full collection, which at
    # scale cost a busy page several milliseconds per request.
    gc.collect()
    gc.freeze()
    return application


def __getattr__(name: str):
    # `app` is built on first use, so that `coalition.wsgi:serve(...)` does not build a second one.
    if name == "app":
        globals()["app"] = application = serve()
        return application
    raise AttributeError(name)
