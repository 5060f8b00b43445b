"""What the benchmarks on PostgreSQL share: their scratch database (and a free port).

A benchmark that needs PostgreSQL takes the server from ``DATABASE_URL``, makes a
database of its own there (``recreate``), drops it at the end, and refuses to run
on the database ``DATABASE_URL`` itself names. Never part of the test run.
"""

from __future__ import annotations

import socket
import sys
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql"}


def log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def server_urls(url: str, db_name: str) -> tuple[str, str]:
    """The maintenance database's URL and the scratch database's, on ``url``'s server."""
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise SystemExit("This benchmark measures PostgreSQL only: set DATABASE_URL.")
    if parts.path.lstrip("/") == db_name:
        raise SystemExit(
            f"DATABASE_URL names {db_name!r}, the database this benchmark drops: point it "
            "at another database of the server, or pass another --db-name."
        )
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    return maintenance, urlunsplit(parts._replace(path=f"/{db_name}"))


def recreate(maintenance: str, db_name: str, *, create: bool) -> None:
    """Drop the scratch database (connections and all), and create it again if asked."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db_name))
        )
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db_name)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
