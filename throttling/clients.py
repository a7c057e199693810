"""Who is asking: the client's address, for rate limits and log-in throttling."""

from django.conf import settings


def client_address(request) -> str:
    """The client's IP; behind NUM_PROXIES trusted proxies, taken from X-Forwarded-For.

    Only the entries the trusted proxies appended are believed: anything further left
    was written by the client and may be forged.
    """
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
