"""HTTP behaviour of the public machine-readable responses: the JSON API, the feeds,
the badges and the calendar.

Pollers (dashboards, chat bots, exporters) fetch these from scripts on other sites, so
each response allows any origin (CORS), refusals included, so that scripts see why.
Caching, ETags, 304s, bad query values and other methods than GET and HEAD are the
public store's job (statuspage.public_cache), as for the HTML pages.
"""

from functools import wraps

from django.http import HttpResponse, JsonResponse

from .public_cache import SAFE_METHODS, public_page

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Link, X-Total-Count",
}


def public_resource(view=None, *, query=()):
    """Decorate a view that is a pure function of the public state and of the query
    parameters it declares (`query`, see public_cache.WholeNumber)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "OPTIONS":
                return _with_cors(_preflight())
            return _with_cors(view(request, *args, **kwargs))

        return public_page(wrapper, query=query, methods=("OPTIONS",), refuse=refused_json)

    return decorate if view is None else decorate(view)


def refused_json(status: int, message: str) -> JsonResponse:
    return _with_cors(JsonResponse({"error": message}, status=status))


def _with_cors(response):
    for name, value in CORS_HEADERS.items():
        response[name] = value
    return response


def _preflight():
    # Scripts that revalidate by hand send If-None-Match, which needs a preflight.
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = ", ".join((*SAFE_METHODS, "OPTIONS"))
    response["Access-Control-Allow-Headers"] = "If-None-Match"
    response["Access-Control-Max-Age"] = "86400"
    return response
