"""Follow by email: sign up, confirm, choose components, leave.

The links in mail are signed (subscribers.tokens), so these views need no login, and
the one-click unsubscribe POST from mail clients needs no CSRF token.
"""

import contextlib
import functools
import logging

from anymail.exceptions import AnymailConfigurationError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from public_store.http import public_page
from throttling import ratelimit
from throttling.clients import client_address

from . import services
from .addresses import normalize_email
from .forms import ScopeForm, SubscribeForm
from .models import Subscriber
from .tokens import ExpiredLink, InvalidLink, read_confirm_token, read_manage_token

logger = logging.getLogger(__name__)


# The form sits on every (cached) public page, which cannot carry a per-visitor CSRF
# token. A forged sign-up achieves nothing: it only asks the address's owner to confirm.
@public_page(methods=["POST"])  # the GET: the form is public state like any page
@csrf_exempt
def subscribe(request):
    form = SubscribeForm(request.POST or None)
    if request.method == "GET":
        return render(request, "subscribers/subscribe.html", {"form": form})
    if form.is_bot():
        return redirect("subscribers:thanks")  # look like success, do nothing
    if not form.is_valid():
        return render(request, "subscribers/subscribe.html", {"form": form}, status=400)
    email = form.cleaned_data["email"]
    allowed = ratelimit.allow(
        f"subscribe:client:{client_address(request)}",
        limit=settings.SUBSCRIBE_LIMIT_PER_CLIENT,
        window=3600,
    ) and ratelimit.allow(
        f"subscribe:email:{email}", limit=settings.SUBSCRIBE_LIMIT_PER_EMAIL, window=3600
    )
    if not allowed:
        response = render(request, "subscribers/rate_limited.html", status=429)
        response["Retry-After"] = "3600"
        return response
    # The same answer, after the same work, whether the address was new, pending or
    # already following: the worker acts on the sign-up.
    services.sign_up_record(
        email=email,
        components=form.cleaned_data["components"],
        groups=form.cleaned_data["groups"],
        webhook_url=form.cleaned_data["webhook_url"],
    )
    return redirect("subscribers:thanks")


def mail_events(request, provider):
    """The provider's tracking webhook, authenticated as django-anymail does it (basic
    auth with ANYMAIL_WEBHOOK_SECRET; the provider's signature where it signs). Without
    a secret nobody may tell us an address bounced: 404."""
    view = _tracking_views().get(provider)
    if view is None or not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        raise Http404("No such mail event endpoint.")
    try:
        return view(request)
    except (AnymailConfigurationError, ImproperlyConfigured) as error:  # a key missing
        logger.warning("Mail events from %s refused: %s", provider, error)
        raise Http404("Mail events are not set up for this provider.") from error


@functools.cache
def _tracking_views():
    import anymail.urls

    suffix = "_tracking_webhook"
    return {
        p.name.removesuffix(suffix): p.callback
        for p in anymail.urls.urlpatterns
        if p.name and p.name.endswith(suffix)
    }


def thanks(request):
    return render(request, "subscribers/thanks.html")


def _subscriber(payload):
    subscriber_id, email = payload
    # Links signed before addresses had one normal form carry the address as typed; one
    # with no normal form was left as it was.
    with contextlib.suppress(ValidationError):
        email = normalize_email(email)
    return Subscriber.objects.filter(pk=subscriber_id, email=email).first()


@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    # A button, not a GET: mail scanners follow links and must not confirm for people.
    try:
        subscriber = _subscriber(read_confirm_token(token))
    except ExpiredLink:
        return render(request, "subscribers/link_invalid.html", {"expired": True}, status=400)
    except InvalidLink:
        subscriber = None
    if subscriber is None:
        return render(request, "subscribers/link_invalid.html", status=400)
    if request.method == "POST":
        services.subscriber_confirm(subscriber=subscriber)
    return render(request, "subscribers/confirm.html", {"subscriber": subscriber})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def manage(request, token):
    """Choose components or leave. A POST without `action=save` unsubscribes (RFC 8058)."""
    try:
        subscriber = _subscriber(read_manage_token(token))
    except InvalidLink:
        return render(request, "subscribers/link_invalid.html", status=400)
    if subscriber is None:
        return render(request, "subscribers/unsubscribed.html", {"was_subscribed": False})
    if request.method == "POST" and request.POST.get("action") != "save":
        services.subscriber_unsubscribe(subscriber=subscriber)
        return render(request, "subscribers/unsubscribed.html", {"was_subscribed": True})
    form = ScopeForm(
        request.POST or None,
        initial={"components": subscriber.components.all(), "groups": subscriber.groups.all()},
    )
    saved = form.is_bound and form.is_valid()
    if saved:
        services.subscriber_set_scope(subscriber=subscriber, **form.cleaned_data)
    context = {"subscriber": subscriber, "form": form, "saved": saved}
    return render(request, "subscribers/manage.html", context, status=400 if form.errors else 200)
