"""Coalition: the web application a national, multi-stakeholder AI coalition runs on."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from config import get_config

from coalition.transaction import TransactionalFlask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, overrides: dict | None = None, *,
               migrations: bool = True) -> Flask:
    """Build the Flask application for `config_name` (default: COALITION_ENV).

    `migrations=False` leaves out the `db` commands and Alembic: the web server's app (coalition.wsgi).
    """
    config = get_config(config_name)
    app = TransactionalFlask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=config.INSTANCE_PATH,
    )
    app.config.from_object(config)
    app.config.from_prefixed_env("COALITION")
    if overrides:
        app.config.update(overrides)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.setdefault("CELERY", _celery_settings(app))

    _init_extensions(app)
    if migrations:
        from coalition.extensions import migrations_init_app

        migrations_init_app(app)
    _register_blueprints(app)

    from coalition.errors import register_error_handlers
    from coalition import cli, headers, i18n, input_guard, metrics, observability, templating
    from coalition.portal import http as portal_http

    register_error_handlers(app)
    observability.init_app(app)
    metrics.init_app(app)
    headers.init_app(app)
    input_guard.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    portal_http.init_app(app)
    cli.init_app(app)
    return app


def _celery_settings(app: Flask) -> dict:
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        # Longer than any task runs, so Redis never hands a running task to a second worker.
        broker = {"broker_url": redis_url, "result_backend": redis_url,
                  # A page's commit hands new mail to Redis; when Redis is down it must not hang.
                  "broker_transport_options": {"visibility_timeout": 3600, "socket_connect_timeout": 2,
                                               "socket_timeout": 5, "max_retries": 1, "interval_start": 0},
                  "redis_socket_connect_timeout": 2}
    else:
        folder = Path(app.instance_path) / "broker"
        for sub in ("out", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        broker = {
            "broker_url": "filesystem://",
            "broker_transport_options": {
                "data_folder_in": str(folder / "out"),
                "data_folder_out": str(folder / "out"),
                "processed_folder": str(folder / "processed"),
                # Kombu's default is ./control, relative to wherever the worker was started.
                "control_folder": str(folder / "control"),
            },
            "result_backend": None,
        }
    return {
        **broker,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "timezone": "UTC",
        # Messages and results are JSON only: nothing a worker reads from the broker is unpickled.
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
    }


def _init_extensions(app: Flask) -> None:
    from coalition.extensions import babel, celery_init_app, csrf, db, login_manager

    db.init_app(app)
    csrf.init_app(app)
    from coalition.auth import throttle

    throttle.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    from flask_babel import lazy_gettext

    # Flask-Login's own notice is English only; this one is in the catalogue.
    login_manager.login_message = lazy_gettext("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    celery_init_app(app)
    from coalition.i18n import select_locale, select_timezone

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=str(Path(__file__).parent / "translations"))

    # Import every model so metadata is complete for migrations.
    from coalition import models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from coalition.analysis.views import bp as analysis_bp
    from coalition.audit.views import bp as audit_bp
    from coalition.consultations.views import bp as consultations_bp
    from coalition.auth.views import bp as auth_bp
    from coalition.dashboards.views import bp as dashboards_bp
    from coalition.deliverables.views import bp as deliverables_bp
    from coalition.groups.views import bp as groups_bp
    from coalition.home.views import bp as home_bp
    from coalition.imports.views import bp as imports_bp
    from coalition.institutions.views import bp as institutions_bp
    from coalition.meetings.views import bp as meetings_bp
    from coalition.notifications.views import bp as notifications_bp
    from coalition.policy.views import bp as policy_bp
    from coalition.portal.views import bp as portal_bp
    from coalition.recommendations.views import bp as recommendations_bp
    from coalition.states.views import bp as states_bp

    for bp in (home_bp, auth_bp, groups_bp, institutions_bp, deliverables_bp, meetings_bp, dashboards_bp,
               notifications_bp, audit_bp, imports_bp, consultations_bp, analysis_bp, recommendations_bp,
               portal_bp, policy_bp):
        app.register_blueprint(bp)
    app.register_blueprint(states_bp)

    from coalition import api

    api.init_app(app)
