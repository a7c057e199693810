"""Real database errors that are a request's own fault, not an outage (tests only).

The site's URLs, plus a view (plain and public) and a periodic job that run a query the
database itself rejects. The database stays up throughout.
"""

from django.db import DataError, IntegrityError, OperationalError, ProgrammingError, connection
from django.urls import path

from public_store.http import public_page
from statuspage.urls import handler500
from statuspage.urls import urlpatterns as site_urlpatterns

__all__ = ["handler500", "urlpatterns"]

# name -> {vendor: (SQL the database rejects, the error Django raises for it)}
FAULTS = {
    "division-by-zero": {"postgresql": ("SELECT 1 / 0", DataError)},
    "integer-overflow": {
        "postgresql": ("SELECT 9223372036854775807::bigint + 1", DataError),
        "sqlite": ("SELECT abs(-9223372036854775808)", OperationalError),
    },
    "not-an-integer": {"postgresql": ("SELECT CAST('x' AS integer)", DataError)},
    "missing-table": {
        "postgresql": ("SELECT * FROM no_such_table", ProgrammingError),
        "sqlite": ("SELECT * FROM no_such_table", OperationalError),
    },
    "missing-value": {
        vendor: ("INSERT INTO worker_workerheartbeat (worker_id) VALUES (NULL)", IntegrityError)
        for vendor in ("postgresql", "sqlite")
    },
    # The server ends this connection; the database itself is up, as a new one finds.
    "connection-dropped": {
        "postgresql": ("SELECT pg_terminate_backend(pg_backend_pid())", OperationalError)
    },
    # Another process holds the write lock (the test holds it; see `sqlite_write_lock`).
    "database-locked": {
        "sqlite": (
            "INSERT INTO worker_workerheartbeat (worker_id, started_at, last_seen) "
            "VALUES ('locked', '2026-01-01', '2026-01-01')",
            OperationalError,
        )
    },
}
raised = []  # what the faults raised, so that a test knows it provoked what it meant to


def fault(name):
    sql, _ = FAULTS[name][connection.vendor]
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    except Exception as error:
        raised.append(error)
        raise


def faulty_view(request, name):
    fault(name)


@public_page
def faulty_public_view(request, name):
    fault(name)


def failing_job():
    fault(failing_job.fault)


urlpatterns = [
    *site_urlpatterns,
    path("fault/<slug:name>", faulty_view),
    path("public-fault/<slug:name>", faulty_public_view),
]
