"""Which process polls the feeds and keeps the calendar: the one holding a PostgreSQL lock.

Several `run` processes may share one PostgreSQL database (each with its own Discord
shards). Exactly one of them leads: it holds a session-level advisory lock on a connection
of its own. The lock lives as long as that database session, so when the leader dies
PostgreSQL frees it and the next follower to try takes over. SQLite is one process's
database: there the only process always leads.
"""

import contextlib
import logging

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)
# The advisory lock's key: any 64-bit number no other application on the database uses.
LEADER_LOCK = 0x7072656D69657265  # "premiere"


class Leadership:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None

    @property
    def shared(self) -> bool:
        """Whether other processes may compete for the lead (a PostgreSQL database)."""
        return self.engine.dialect.name == "postgresql"

    def hold(self) -> bool:
        """Takes the lead if it is free, or checks that this process still holds it.
        Blocking (database I/O): call it from a thread."""
        if not self.shared:
            return True
        try:
            if self._connection is not None:
                self._connection.execute(text("SELECT 1"))  # the session, and its lock, live
                return True
            return self._try_take()
        except SQLAlchemyError as error:
            log.warning("leader lock lost: %s", error)
            self._drop()
            return False

    def release(self) -> None:
        """Gives the lead up (at shutdown), so a follower takes over at its next try."""
        if self._connection is None:
            return
        with contextlib.suppress(SQLAlchemyError):
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK})
        self._drop()

    def _try_take(self) -> bool:
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        taken = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK}
        ).scalar()
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def _drop(self) -> None:
        # invalidate, not close: a pooled connection would keep the session and its lock.
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                self._connection.invalidate()
                self._connection.close()
            self._connection = None
