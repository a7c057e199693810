"""Project-level views: the health endpoint and error pages that never need the database."""

import datetime
import sys

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache

from subscribers.models import Delivery, DeliveryState

from . import database, public_cache
from .models import WorkerHeartbeat


@never_cache
def healthz(request):
    """What works and what does not; 503 if anything checked is wrong.

    `?check=web` only tells that this web process answers: container health checks
    must not restart web servers, which serve cached pages, over a database outage.
    """
    if request.GET.getlist("check") == ["web"]:
        return JsonResponse({"status": "ok", "web": {"ok": True}})
    report = {"database": {"ok": database.is_reachable()}}
    if report["database"]["ok"]:
        public_cache.mark_database_up()
        report |= {"worker": _worker_report(), "mail": _mail_report()}
    else:
        report["database"]["error"] = "the database is unreachable"
        public_cache.mark_database_down()
    healthy = all(check["ok"] for check in report.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **report}, status=200 if healthy else 503
    )


def _worker_report():
    latest = WorkerHeartbeat.objects.first()
    if latest is None:
        return {"ok": False, "error": "no worker has ever checked in (run: manage.py run_worker)"}
    age = (timezone.now() - latest.last_seen).total_seconds()
    report = {
        "ok": age < settings.WORKER_STALE_AFTER.total_seconds(),
        "last_seen_seconds_ago": round(age, 1),
    }
    if not report["ok"]:
        report["error"] = "no worker has checked in recently: mail and scheduled posts are stuck"
    return report


def _mail_report():
    now = timezone.now()
    oldest = (
        Delivery.objects.due(now)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    age = (now - oldest).total_seconds() if oldest else 0
    report = {
        "ok": age < settings.MAIL_BACKLOG_ALERT.total_seconds(),
        "oldest_pending_seconds": round(age, 1),
        "pending": Delivery.objects.filter(
            state__in=[DeliveryState.PENDING, DeliveryState.SENDING]
        ).count(),
        "failed_last_day": Delivery.objects.filter(
            state=DeliveryState.FAILED, created_at__gte=now - datetime.timedelta(days=1)
        ).count(),
    }
    if not report["ok"]:
        report["error"] = "mail has been waiting to be sent for too long"
    return report


def server_error(request):
    """The 500 handler; for an unreachable database (not a query it refused), a clear 503.

    Rendered without the request's context processors: it must work with nothing up.
    """
    error = sys.exception()
    if isinstance(error, DatabaseError) and database.is_outage(error):
        public_cache.mark_database_down()
        return _database_unavailable(request)
    html = loader.get_template("500.html").render({"page_name": settings.STATUS_PAGE_NAME})
    return HttpResponseServerError(html)


def _database_unavailable(request):
    path = request.path if request else ""
    if path.startswith(("/subscribe", "/unsubscribe")):
        heading = "Subscriptions are paused"
        message = "We cannot reach our database right now, so subscriptions are paused. "
        message += "Please try again in a little while; the status page itself is still up."
    elif path.startswith("/admin"):
        heading = "The admin is unavailable"
        message = "The database cannot be reached, so nothing can be posted or changed right "
        message += "now. The public status page keeps serving its last published state."
    else:
        heading = message = None
    return public_cache.unavailable(request, heading=heading, message=message)
