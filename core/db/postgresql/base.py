"""Django's PostgreSQL backend, with a cheaper health check of persistent connections.

With ``CONN_HEALTH_CHECKS`` Django checks a reused connection at the first query of each request
by sending ``SELECT 1``: a round trip, and work for the server, on every request that reads the
database (on the public registry lookup, about a third of what PostgreSQL spent per request).
An idle connection that is still good has nothing waiting on its socket; one the server ended
(a restart, ``pg_terminate_backend``, an idle timeout) has the server's farewell and the end of
the stream there. So the socket is polled first, without waiting: nothing to read means usable;
anything to read, or a connection that saw an error, gets Django's own check (``SELECT 1``).
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        if self.errors_occurred:
            return bool(super().is_usable())
        try:
            readable, _writable, _failed = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return bool(super().is_usable()) if readable else True
