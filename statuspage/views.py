"""Project-level views: the health endpoint and error pages that never need the database."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponseServerError, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    checks = {"database": _database_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def server_error(request):
    # Rendered without context processors' requests: it must work with nothing else up.
    html = loader.get_template("500.html").render({"page_name": settings.STATUS_PAGE_NAME})
    return HttpResponseServerError(html)
