# One image for the web, worker and beat processes (see docker-compose.yml).
FROM python:3.11-slim

# PYTHONPATH: import the project from /app (which also holds the templates and data files), not
# from the copy that `pip install .` puts in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

RUN groupadd --system portal \
    && useradd --system --gid portal --create-home --home-dir /home/portal portal

WORKDIR /app

# Only what the portal needs at run time, listed explicitly so that local files such as .env,
# .venv/ and db.sqlite3 never end up in the image.
COPY pyproject.toml manage.py ./
COPY config/ config/
COPY core/ core/
COPY accounts/ accounts/
COPY regions/ regions/
COPY factories/ factories/
COPY assessments/ assessments/
COPY certification/ certification/
COPY dashboard/ dashboard/
COPY demo/ demo/
COPY templates/ templates/
COPY locale/ locale/

# Runtime dependencies only (no dev extras).
RUN pip install . \
    && rm -rf build *.egg-info

# Build-time management commands. Settings refuse to load with DEBUG off and no SECRET_KEY, so
# these steps get a throwaway key that is not kept in the image's environment; the real key
# comes from .env at run time.
ARG BUILD_SECRET_KEY=build-only-not-a-secret

# Compile the translations (locale/*.po -> .mo); gettext is needed only for this step.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && DEBUG=0 SECRET_KEY="$BUILD_SECRET_KEY" python manage.py compilemessages \
    && apt-get purge -y --auto-remove gettext \
    && rm -rf /var/lib/apt/lists/*

# Static files are collected into the image and served by WhiteNoise (manifest storage, as at
# run time with DEBUG=0).
RUN DEBUG=0 SECRET_KEY="$BUILD_SECRET_KEY" python manage.py collectstatic --noinput

# Uploaded files (MEDIA_ROOT defaults to /app/media); a volume mounted here inherits the owner.
RUN mkdir -p /app/media && chown portal:portal /app/media

USER portal

EXPOSE 8000

# 3 sync workers: 2 x cores + 1 for two cores; about 93 MB each at national scale (make bench,
# docs/operations.md "Web workers"). Each keeps one database connection (DB_CONN_MAX_AGE).
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
