# One image for every role: web (the default command), worker and beat (compose picks the command).
# Multi-stage: the build stage installs everything into a virtual environment, /opt/venv, and compiles
# the translations; the final stage copies the venv and the code, has no compiler, runs as an
# unprivileged user, and checks its own health on /healthz. A venv behaves the same on every Python
# base (python:3.11-slim, or Debian's python3 on the test machines' stand-in; scripts/image-check).

FROM python:3.11-slim AS build
WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/venv/bin:$PATH
RUN python3 -m venv /opt/venv
# The dependencies alone first (read from pyproject.toml), with what builds the project itself, so that a
# change of code reuses this layer and builds without reaching the package registry.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt "setuptools>=69" wheel
COPY README.md babel.cfg ./
COPY coalition coalition
COPY workers workers
COPY config config
COPY templates templates
COPY gunicorn.conf.py ./
RUN pybabel compile -d coalition/translations \
 && pip install --no-deps --no-build-isolation . \
 && rm -rf build ./*.egg-info

FROM python:3.11-slim
# PYTHONPATH: every entry point (gunicorn, celery, the `coalition` command) imports the code from
# /app, next to templates/ and the compiled translations, not the copy pip put in site-packages.
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 COALITION_ENV=production \
    COALITION_INSTANCE=/app/instance PYTHONPATH=/app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
RUN useradd --create-home --uid 10001 coalition && mkdir -p /app/instance && chown 10001 /app/instance
USER 10001
EXPOSE 8000
# HEALTHCHECK_PORT: only where the web listens elsewhere than 8000 (the test stack shares the host's network).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HEALTHCHECK_PORT', '8000'), timeout=4).status != 200)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
