"""In-process caches of published reference data (tier conditions, the scenario catalogue,
maturity model versions), shared across processes through one generation token.

Reference data is read on almost every request and changes a few times a year, when an
administrator publishes an edition. Each process keeps what it loaded; every service that writes
reference data calls ``reference_data_changed()``, which, once the transaction commits, sets a
new generation token in the shared cache (Redis in deployment). Every process compares its
generation with the shared one at most once per ``CHECK_SECONDS`` and drops everything when it
moved. Without a shared cache (the SQLite demo) a process sees only its own changes, which is
right for a single process.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")

GENERATION_KEY = "reference-data:generation"
CHECK_SECONDS = 1.0
# A change whose transaction never committed stops caching for at most this long.
UNCOMMITTED_SECONDS = 60.0


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[Hashable, Any] = {}
        self.generation: Any = None
        self.checked_at = float("-inf")
        self.changing_until = float("-inf")


_state = _State()


def cached(key: Hashable, load: Callable[[], T]) -> T:
    """The value under ``key``, loaded once per process and generation."""
    _revalidate()
    try:
        return _state.values[key]  # type: ignore[no-any-return]
    except KeyError:
        pass
    value = load()
    if time.monotonic() >= _state.changing_until:
        with _state.lock:
            _state.values[key] = value
    return value


def reference_data_changed() -> None:
    """Call from a service that writes reference data, inside its transaction."""
    with _state.lock:
        _state.values.clear()
        _state.changing_until = time.monotonic() + UNCOMMITTED_SECONDS
    transaction.on_commit(_committed)


def clear() -> None:
    """Forget everything this process loaded (tests, whose database rolls back, use it)."""
    with _state.lock:
        _state.values.clear()
        _state.generation = None
        _state.checked_at = float("-inf")
        _state.changing_until = float("-inf")


def _committed() -> None:
    try:
        # A new token rather than an increment: any change of value makes the other processes
        # reload, and a value that is not a number (set by hand, or left by an older release)
        # cannot stop the publication.
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # the shared cache is down: other processes catch up when it is back
        logger.warning("could not publish the reference data generation", exc_info=True)
    with _state.lock:
        _state.values.clear()
        _state.changing_until = float("-inf")


def _revalidate() -> None:
    now = time.monotonic()
    if now - _state.checked_at < CHECK_SECONDS:
        return
    try:
        generation = cache.get(GENERATION_KEY)
    except Exception:  # the shared cache is down: read from the database until it is back
        logger.warning("reference data generation unavailable", exc_info=True)
        generation = object()
    with _state.lock:
        _state.checked_at = now
        if generation != _state.generation:
            _state.values.clear()
            _state.generation = generation
