"""Fixtures of the account pages' tests: a private cache for the rate limits, and requests whose
after-commit work (the emails) runs as it does outside a test transaction."""

from __future__ import annotations

import re
import uuid

import pytest


@pytest.fixture
def private_cache(settings):
    """A cache of this test's own, so that rate-limit counters of other runs do not count."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"accounts-test-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """``committing(client.post, url, data)``: the call, with its on-commit callbacks run."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def link_in(body: str, path_prefix: str) -> str:
    """The path of the first link under ``path_prefix`` in an email body."""
    found = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}[^\s\"<]*)", body)
    assert found, body
    return found.group(1)
