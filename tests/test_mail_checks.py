"""`manage.py check` asks for a real sender once mail goes to a real server."""

import pytest
from django.core import checks

SMTP = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {}}}
OUTBOX = {"default": {"BACKEND": "django.core.mail.backends.filebased.EmailBackend"}}


def warnings():
    return [
        message.id
        for message in checks.run_checks(tags=["mail"])
        if message.id.startswith("subscribers")
    ]


@pytest.mark.parametrize(
    ("mailers", "placeholder", "expected"),
    [
        (SMTP, True, ["subscribers.W001"]),
        (SMTP, False, []),  # a domain of SITE_URL's, or DEFAULT_FROM_EMAIL set
        (OUTBOX, True, []),  # local: mail only goes to files
    ],
)
def test_a_placeholder_sender_is_reported_when_mail_goes_out(
    settings, mailers, placeholder, expected
):
    settings.MAILERS = mailers
    settings.DEFAULT_FROM_EMAIL_IS_PLACEHOLDER = placeholder
    settings.DEFAULT_FROM_EMAIL = "status@localhost" if placeholder else "status@example.org"
    assert warnings() == expected
