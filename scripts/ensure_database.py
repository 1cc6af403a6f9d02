"""Create the PostgreSQL database named in DATABASE_URL if it does not exist (for make test)."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlparse

import psycopg2
from psycopg2 import sql


def main() -> int:
    url = urlparse(os.environ["DATABASE_URL"])
    if not url.scheme.startswith("postgres"):
        return 0
    name = url.path.lstrip("/")
    try:
        conn = psycopg2.connect(
            host=url.hostname or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password,
            dbname="postgres",
            connect_timeout=5,
        )
    except psycopg2.OperationalError as exc:
        print(f"PostgreSQL is not reachable at {url.hostname}:{url.port or 5432}: {exc}")
        return 1
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
