"""How a view tells the public store it is public, and what it reads of a request.

`@public_page` marks an HTML page, `@public_resource` a machine-readable response (the
JSON API, feeds, badges, the calendar). Either is a pure function of the published
state and of the query parameters it declares: the store keys on those alone, checks
them before anything is looked up (a junk value is refused, never rendered or stored),
and refuses methods the view does not answer.

Pollers (dashboards, chat bots, exporters) fetch the resources from scripts on other
sites, so each of those responses allows any origin (CORS), refusals included, so that
scripts see why.
"""

import contextlib
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from http import HTTPStatus

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

SAFE_METHODS = ("GET", "HEAD")  # what the store answers
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Link, X-Total-Count",
}


class BadQuery(ValueError):
    pass


@dataclass(frozen=True)
class WholeNumber:
    """A query parameter a public view reads: a whole number from 1 to `maximum`."""

    name: str
    maximum: int
    default: int = 1

    def read(self, request) -> int:
        values = request.GET.getlist(self.name)
        if not values:
            return self.default
        number = values[0] if len(values) == 1 else ""
        if re.fullmatch(r"[0-9]{1,9}", number) and 1 <= int(number) <= self.maximum:
            return int(number)
        given = ", ".join(repr(value[:40]) for value in values[:3])
        raise BadQuery(f"{self.name} must be a whole number from 1 to {self.maximum}, not {given}.")


# The page number of every paged list (a page past the last is the view's 404).
PAGE = WholeNumber("page", maximum=100_000)


@dataclass(frozen=True)
class Date:
    """A query parameter a public view reads: a calendar date written YYYY-MM-DD, from
    `earliest` to `latest` (None when absent). The bounds keep a day and the next one
    clear of the years every time zone can show."""

    name: str
    earliest: datetime.date = datetime.date(1970, 1, 1)
    latest: datetime.date = datetime.date(9998, 12, 31)
    default: None = None

    def read(self, request) -> datetime.date | None:
        values = request.GET.getlist(self.name)
        if not values:
            return self.default
        text = values[0] if len(values) == 1 else ""
        day = None
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            with contextlib.suppress(ValueError):  # 2026-02-30
                day = datetime.date.fromisoformat(text)
        if day is not None and self.earliest <= day <= self.latest:
            return day
        given = ", ".join(repr(value[:40]) for value in values[:3])
        raise BadQuery(
            f"{self.name} must be a date written YYYY-MM-DD, from {self.earliest} to "
            f"{self.latest}, not {given}."
        )


@dataclass(frozen=True)
class PublicPage:
    """What the store knows of a public view."""

    query: tuple[WholeNumber | Date, ...]  # the query parameters it reads: the key, nothing else
    methods: tuple[str, ...]  # GET, HEAD and any it answers itself; others get a 405
    refuse: Callable[[int, str], HttpResponse]  # a 400 or 405 in the view's own format


def refused_page(status: int, message: str) -> HttpResponse:
    """A 400 or 405 from the store, in HTML; it needs neither the database nor a request."""
    context = {
        "page_name": settings.STATUS_PAGE_NAME,
        "heading": HTTPStatus(status).phrase,
        "message": message,
    }
    return HttpResponse(render_to_string("public_store/refused.html", context), status=status)


def refused_json(status: int, message: str) -> JsonResponse:
    return _with_cors(JsonResponse({"error": message}, status=status))


def public_page(view=None, *, query=(), methods=(), refuse=refused_page):
    """Mark a view as public: a pure function of the published state and of the query
    parameters it declares (`query`), served from the store for GET and HEAD. `methods`
    are others the view answers itself (a sign-up's POST)."""

    def mark(view):
        view.public_page = PublicPage(tuple(query), (*SAFE_METHODS, *methods), refuse)
        return view

    return mark if view is None else mark(view)


def public_resource(view=None, *, query=()):
    """A public page for scripts on other sites: CORS on every answer, preflight included."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "OPTIONS":
                return _with_cors(_preflight())
            return _with_cors(view(request, *args, **kwargs))

        return public_page(wrapper, query=query, methods=("OPTIONS",), refuse=refused_json)

    return decorate if view is None else decorate(view)


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
