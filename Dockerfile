# syntax=docker/dockerfile:1
# Multi-stage: build wheels with the compilers, run on a slim image as a non-root user.

FROM python:3.13-slim AS build
WORKDIR /src
RUN python -m venv /venv
ENV PATH=/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY statuspage statuspage
COPY incidents incidents
COPY subscribers subscribers
COPY integrations integrations
COPY public_store public_store
COPY worker worker
COPY health health
COPY staff staff
COPY throttling throttling
RUN pip install --no-cache-dir .

FROM python:3.13-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BIND=0.0.0.0 \
    PORT=8000 \
    VAR_DIR=/var/lib/statuspage
RUN useradd --system --create-home statuspage \
    && mkdir -p /var/lib/statuspage && chown statuspage /var/lib/statuspage
WORKDIR /app
COPY --from=build /venv /venv
# The code (in /app) stays root's: the app's user can read it, not change it; it writes
# only to VAR_DIR.
COPY manage.py ./
COPY statuspage statuspage
COPY incidents incidents
COPY subscribers subscribers
COPY integrations integrations
COPY public_store public_store
COPY worker worker
COPY health health
COPY staff staff
COPY throttling throttling
COPY templates templates
COPY static static
# Static files are collected into the image; no secret is needed for that step.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v 0
USER statuspage
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz?check=web', timeout=4)"
# The web server. Run the worker from the same image with: python manage.py run_worker
# Migrate once per release with: python manage.py migrate
CMD ["gunicorn", "--config", "statuspage/gunicorn.conf.py", "statuspage.wsgi"]
