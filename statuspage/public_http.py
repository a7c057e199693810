"""HTTP behaviour shared by the public machine-readable responses: the JSON API, the
feeds, the badges and the calendar.

Pollers (dashboards, chat bots, exporters) fetch these every few seconds from anywhere,
so each response may be read by scripts on other sites (CORS), kept briefly by shared
caches, and revalidated for free: the ETag is a hash of the body, and a matching
If-None-Match gets a 304 with no body.
"""

from functools import wraps

from django.http import HttpResponse, HttpResponseNotAllowed
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag

MAX_AGE = 30
SAFE_METHODS = ("GET", "HEAD")


def public_resource(view):
    """Decorate a view that is a pure function of the request and the public state."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = _preflight()
        elif request.method not in SAFE_METHODS:
            response = HttpResponseNotAllowed([*SAFE_METHODS, "OPTIONS"])
        else:
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                response = _revalidatable(request, response)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Link, X-Total-Count"
        return response

    return wrapper


def _revalidatable(request, response):
    set_response_etag(response)
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    # No Last-Modified check: deleting a post makes the state older, so a date cannot
    # prove that a copy is current; the content hash can.
    return get_conditional_response(request, etag=response["ETag"], response=response)


def _preflight():
    # Scripts that revalidate by hand send If-None-Match, which needs a preflight.
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Allow-Headers"] = "If-None-Match"
    response["Access-Control-Max-Age"] = "86400"
    return response
