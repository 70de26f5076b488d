# One image for every role: web (the default command), worker and beat (compose picks the command).
# Multi-stage: the build stage installs into /install and compiles the translations; the final stage
# is slim, runs as an unprivileged user, and checks its own health on /healthz.

FROM python:3.11-slim AS build
WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md babel.cfg ./
COPY coalition coalition
COPY workers workers
COPY config config
COPY templates templates
COPY gunicorn.conf.py ./
RUN pip install --prefix=/install . \
 && PYTHONPATH=/install/lib/python3.11/site-packages /install/bin/pybabel compile -d coalition/translations

FROM python:3.11-slim
# PYTHONPATH: every entry point (gunicorn, celery, the `coalition` command) imports the code from
# /app, next to templates/ and the compiled translations, not the copy pip put in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 COALITION_ENV=production COALITION_INSTANCE=/app/instance \
    PYTHONPATH=/app
WORKDIR /app
COPY --from=build /install /usr/local
COPY --from=build /app /app
RUN useradd --create-home --uid 10001 coalition && mkdir -p /app/instance && chown 10001 /app/instance
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
