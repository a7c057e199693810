"""The address monitoring systems post their alerts to (not a public page: nothing
stored, nothing cached). It answers fast and never with a 5xx for what it was sent:
a bad token is a 401 or 404 and records nothing; a body over 1 MB a 413, a malformed
one a 400 with the reason; beyond the integration's rate a 429."""

import logging
import re

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from throttling import ratelimit

from . import services
from .models import Integration, token_digest

logger = logging.getLogger(__name__)
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
RETRY_AFTER = 30  # seconds: monitoring systems retry a 429 or a 503


@csrf_exempt
def receive(request, token=None):
    """POST /integrations/<token>, or POST /integrations with Authorization: Bearer."""
    if request.method != "POST":
        response = _refused(405, "Post alerts here.")
        response["Allow"] = "POST"
        return response
    try:
        integration = _integration(request, token)
        if integration is None:
            return _unknown(bearer=token is None)
        if not ratelimit.allow(
            f"integration:{integration.pk}", limit=integration.rate_limit, window=60
        ):
            response = _refused(429, f"Over {integration.rate_limit} requests a minute.")
            response["Retry-After"] = str(RETRY_AFTER)
            return response
        body = _body(request)
        if body is None:
            return _refused(413, f"The body is over {services.MAX_BODY} bytes.")
        outcome = services.alerts_receive(
            integration=integration, body=body, content_type=request.content_type or ""
        )
    except (OperationalError, InterfaceError) as error:
        # The database is out of reach: say so, and the monitoring system sends it again.
        logger.warning("Alert not received: database unavailable (%s)", error)
        response = _refused(503, "The database is unavailable; send it again later.")
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    return JsonResponse(outcome.as_json(), status=outcome.status)


def _integration(request, token):
    if token is None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = token.strip()
    if not TOKEN.fullmatch(token):
        return None  # not a token we give out: no query
    return Integration.objects.filter(token_digest=token_digest(token), is_active=True).first()


def _unknown(*, bearer):
    if bearer:
        response = _refused(401, "A valid token is needed: Authorization: Bearer <token>.")
        response["WWW-Authenticate"] = 'Bearer realm="integrations"'
        return response
    return _refused(404, "No integration has this address.")


def _body(request) -> bytes | None:
    """The body, or None when it is over the limit (read no further than that)."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > services.MAX_BODY:
        return None
    body = request.read(services.MAX_BODY + 1)
    return None if len(body) > services.MAX_BODY else body


def _refused(status, message):
    return JsonResponse({"status": "refused", "error": message}, status=status)
