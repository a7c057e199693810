from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from . import report


@never_cache
def healthz(request):
    """What works and what does not; 503 if anything checked is wrong.

    `?check=web` only tells that this web process answers: container health checks
    must not restart web servers, which serve cached pages, over a database outage.
    """
    if request.GET.getlist("check") == ["web"]:
        return JsonResponse({"status": "ok", "web": {"ok": True}})
    results = report()
    healthy = all(result["ok"] for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **results}, status=200 if healthy else 503
    )
