"""Bulk writes on PostgreSQL that skip the per-row work of a multi-row INSERT. Edge.

A multi-row ``INSERT … VALUES`` of a feed's 50 items is ~650 parameters in one long statement
that psycopg and the server parse anew every time (too long for either's statement cache);
ingest spent a third of its storing time there (py-spy, benchmarks/README.md). Instead:

- :func:`insert_returning` — one short statement with one array per column (items),
  ``INSERT … SELECT FROM unnest(…) RETURNING id, <key>``, prepared once;
- :func:`copy_rows` — ``COPY … FROM STDIN`` for rows whose ids nobody needs (item tags).

Both run on the session's own connection, inside its transaction. (Stories were tried too:
a few hundred new stories per poll gained nothing measurable.) Values go to the driver as
they are: datetimes must be timezone-aware (as ``db.types.UTCDateTime`` insists) and JSON
columns are given as Python objects (wrapped here).
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from datetime import datetime
from typing import Any

from psycopg.types.json import Json
from sqlalchemy.orm import Session

#: (column, PostgreSQL type) of the columns a bulk write fills
Columns = Sequence[tuple[str, str]]


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _value(value: Any, kind: str, column: str) -> Any:
    if kind in ("json", "jsonb"):
        return None if value is None else Json(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError(f"naive datetime in {column}: Briefbot stores timezone-aware UTC only")
    return value


def insert_returning(
    session: Session, table: str, columns: Columns, rows: Sequence[dict[str, Any]], key: str
) -> dict[Hashable, int]:
    """Insert ``rows`` (dicts with every column) into ``table``; returns ``row[key]`` → new id.
    ``key`` must be unique among the rows (a GUID within one feed)."""
    if not rows:
        return {}
    names = ", ".join(name for name, _ in columns)
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in columns)
    values = [[_value(row[name], kind, name) for row in rows] for name, kind in columns]
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) RETURNING id, {key}", values
        )
        return {row_key: new_id for new_id, row_key in cursor.fetchall()}


def copy_rows(session: Session, table: str, columns: Columns, rows: Sequence[dict[str, Any]]) -> None:
    """``COPY`` ``rows`` into ``table`` (JSON columns as JSON text)."""
    if not rows:
        return
    driver = session.connection().connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(name for name, _ in columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(
                tuple(
                    json.dumps(row[name]) if kind in ("json", "jsonb") else row[name]
                    for name, kind in columns
                )
            )


__all__ = ["Columns", "copy_rows", "insert_returning", "is_postgresql"]
