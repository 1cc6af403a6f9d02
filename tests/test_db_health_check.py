"""core.db.postgresql: a persistent connection is checked by polling its socket, not by a query;
one the server ended is found unusable (and Django then reconnects)."""

from __future__ import annotations

import time

import pytest
from django.db import connection, connections

pytestmark = pytest.mark.django_db


@pytest.fixture
def other():
    """A second connection to the test database, not the test's own (which holds its
    transaction)."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def last_query_of(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row[0] if row else ""


def test_a_good_connection_is_usable_without_a_round_trip(other):
    assert type(other).__module__ == "core.db.postgresql.base"
    marker = "SELECT 'health-check-marker'"
    with other.connection.cursor() as cursor:
        cursor.execute(marker)
    pid = other.connection.get_backend_pid()
    assert other.is_usable() is True
    assert last_query_of(pid) == marker  # nothing was sent to the server


def test_a_connection_the_server_ended_is_unusable_and_django_reconnects(other):
    pid = other.connection.get_backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while last_query_of(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert other.is_usable() is False
    # As at the start of a request: the health check closes it, the next query reconnects.
    other.health_check_enabled, other.health_check_done = True, False
    other.close_if_health_check_failed()
    assert other.connection is None
    with other.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert other.connection.get_backend_pid() != pid


def test_after_an_error_the_server_is_asked(other):
    pid = other.connection.get_backend_pid()
    other.errors_occurred = True
    assert other.is_usable() is True
    assert last_query_of(pid) == "SELECT 1"  # Django's own check, a round trip
    other.errors_occurred = False
