"""Production settings plus the bench-only pieces: the floor view's URLconf and a middleware
that reports each request's SQL query count in the ``X-Bench-Queries`` response header."""

from config import settings as portal_settings
from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.http.urls"

# First, so that it counts every query of the request: sessions, authentication, the view and
# the rendering.
MIDDLEWARE = ["tests.bench.http.floor.QueryCountMiddleware", *portal_settings.MIDDLEWARE]
