"""A database outage: telling one from a request's own error, and answering through it.

Only an outage makes every public page say it may be out of date and pauses sign-ups.
A value the database refuses (too long, out of range), a broken constraint or a busy
lock (SQLite's "database is locked") is the fault of the one request or job that met
it, and gets an error for that request alone: otherwise one bad sign-up every 15 s
would keep the whole page "out of date".
"""

import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.transaction import TransactionManagementError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader

from . import store

# What Django raises when it cannot talk to the database at all. Not proof of an outage:
# SQLite's "database is locked" and a connection the server dropped are among them.
CONNECTION_ERRORS = (OperationalError, InterfaceError)

# Path prefix -> (heading, message) of the 503 page, said by the app that owns the path.
_messages: dict[str, tuple[str, str]] = {}


def register_message(prefix: str, *, heading: str, message: str) -> None:
    """What the 503 page says, during an outage, to a request under `prefix`."""
    _messages[prefix] = (heading, message)


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


def probe() -> bool:
    """Look at the database and tell the public pages (the worker runs this every few
    seconds, /healthz on every call): down, they say they may be out of date."""
    reachable = is_reachable()
    if reachable:
        store.mark_database_up()
    else:
        store.mark_database_down()
    return reachable


def watch() -> None:
    """The periodic job: look at the database every few seconds (probe(), quietly)."""
    probe()


def health_check() -> dict:
    if probe():
        return {"ok": True}
    return {"ok": False, "error": "the database is unreachable"}


def unavailable(request=None, *, heading=None, message=None):
    """No stored copy and no database: a plain, honest 503 that needs neither."""
    context = {"page_name": settings.STATUS_PAGE_NAME, "heading": heading, "message": message}
    html = loader.render_to_string("503.html", context)
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "30"
    return response


def server_error(request):
    """The 500 handler; for an unreachable database (not a query it refused), a clear 503.

    Rendered without the request's context processors: it must work with nothing up.
    """
    error = sys.exception()
    if isinstance(error, DatabaseError) and is_outage(error):
        store.mark_database_down()
        path = request.path if request else ""
        words = next((w for prefix, w in _messages.items() if path.startswith(prefix)), None)
        heading, message = words or (None, None)
        return unavailable(request, heading=heading, message=message)
    html = loader.get_template("500.html").render({"page_name": settings.STATUS_PAGE_NAME})
    return HttpResponseServerError(html)
