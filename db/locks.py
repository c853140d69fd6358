"""PostgreSQL advisory locks for work that two processes must not do at the same time.

``hold(bind, key)`` waits for the lock and holds it until the transaction ends (commit or
rollback), so it cannot leak. On SQLite it does nothing: there a writer holds the whole database
anyway, and several processes on one SQLite file are not the supported set-up (README, "Several
processes").
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

MIGRATIONS = 0x62726D67  #: "brmg": the schema is upgraded by one process at a time
FEED_LIST = 0x6272666C  #: "brfl": feeds.yaml is written to the feeds table by one at a time
STORIES = 0x62726966  #: "brif": one process groups items into stories at a time


def hold(bind: Session | Connection, key: int) -> bool:
    """Take lock ``key`` for the rest of the transaction (PostgreSQL; waits for another holder).
    Returns whether a lock was taken (False on other databases)."""
    dialect = bind.get_bind().dialect if isinstance(bind, Session) else bind.dialect
    if dialect.name != "postgresql":
        return False
    bind.execute(select(func.pg_advisory_xact_lock(key)))
    return True


__all__ = ["FEED_LIST", "MIGRATIONS", "STORIES", "hold"]
