"""Telling a database outage from a request's own database error.

Only an outage makes every public page say it may be out of date and pauses sign-ups.
A value the database refuses (too long, out of range), a broken constraint or a busy
lock (SQLite's "database is locked") is the fault of the one request or job that met
it, and gets an error for that request alone: otherwise one bad sign-up every 15 s
would keep the whole page "out of date".
"""

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.transaction import TransactionManagementError

# What Django raises when it cannot talk to the database at all. Not proof of an outage:
# SQLite's "database is locked" and a connection the server dropped are among them.
CONNECTION_ERRORS = (OperationalError, InterfaceError)


def is_outage(error: Exception) -> bool:
    """Whether `error` means the database is unreachable, as a fresh probe confirms."""
    return isinstance(error, CONNECTION_ERRORS) and not is_reachable()


def is_reachable() -> bool:
    """Whether the database answers `SELECT 1`, on a new connection if ours is broken."""
    # Outside a transaction a dead connection is replaced; inside one it must not be.
    if not connection.in_atomic_block and not _usable():
        connection.close()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except CONNECTION_ERRORS:
        return False
    except (DatabaseError, TransactionManagementError):
        pass  # it answered, if only to refuse: a transaction already aborted
    return True


def _usable():
    # Django notes the errors that may have broken the connection: only then is it tried.
    return not connection.errors_occurred or connection.is_usable()
