# One image for web, worker and beat (the deployment issue adds compose and hardening).
FROM python:3.11-slim AS build
WORKDIR /app
COPY pyproject.toml README.md babel.cfg ./
COPY coalition coalition
COPY workers workers
COPY config config
COPY templates templates
RUN pip install --no-cache-dir --prefix=/install . \
 && PYTHONPATH=/install/lib/python3.11/site-packages /install/bin/pybabel compile --use-fuzzy -d coalition/translations

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 COALITION_ENV=production
WORKDIR /app
COPY --from=build /install /usr/local
COPY --from=build /app /app
RUN useradd --create-home --uid 10001 coalition && mkdir -p /app/instance && chown coalition /app/instance
USER coalition
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "coalition.wsgi:app"]
