"""HTTP behaviour of the public machine-readable responses: the JSON API, the feeds,
the badges and the calendar.

Pollers (dashboards, chat bots, exporters) fetch these from scripts on other sites, so
each response allows any origin (CORS). Caching, ETags and 304s are the public store's
job (statuspage.public_cache), as for the HTML pages.
"""

from functools import wraps

from django.http import HttpResponse, HttpResponseNotAllowed

from .public_cache import public_page

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
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Link, X-Total-Count"
        return response

    return public_page(wrapper)


def _preflight():
    # Scripts that revalidate by hand send If-None-Match, which needs a preflight.
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Allow-Headers"] = "If-None-Match"
    response["Access-Control-Max-Age"] = "86400"
    return response
