"""System checks (`manage.py check`, and every command's start) for the followers' mail."""

from django.conf import settings
from django.core import checks

SMTP_BACKENDS = ("django.core.mail.backends.smtp.EmailBackend",)


def sender_is_real(app_configs=None, **kwargs):
    """Mail from status@localhost is refused by the servers it goes to."""
    backend = settings.MAILERS["default"]["BACKEND"]
    if not settings.DEFAULT_FROM_EMAIL_IS_PLACEHOLDER or backend not in SMTP_BACKENDS:
        return []
    return [
        checks.Warning(
            f"Mail is sent from {settings.DEFAULT_FROM_EMAIL}: SITE_URL's host is not a "
            "domain, and mail servers refuse such a sender.",
            hint="Set DEFAULT_FROM_EMAIL to an address of your domain, e.g. status@example.org.",
            id="subscribers.W001",
        )
    ]
