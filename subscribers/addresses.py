"""Email addresses in the one form they are stored, compared, rate-limited and mailed in:
lower-case, with the domain IDNA-encoded (ASCII), checked for length *after* that.

Checking first was wrong: "İ" lower-cases to two characters and a Unicode label
grows when encoded, so an address that fitted as typed could overflow the column
(PostgreSQL refuses the row) or be unsendable.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.encoding import punycode

# Control characters (CR/LF header injection, NUL) and spaces never belong in an address.
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f<>,;\"\\]")
# RFC 5321: a path of at most 254 characters (the column's size), a domain of 253, a
# local part of 64. Input longer than 320 (RFC 3696) is refused before any work.
MAX_LENGTH = 254
MAX_DOMAIN_LENGTH = 253
MAX_LOCAL_LENGTH = 64
MAX_INPUT_LENGTH = 320

INVALID = "Enter a valid email address."


def normalize_email(value: str) -> str:
    """The stored form of an address, or ValidationError. Idempotent."""
    value = value.strip()
    if len(value) > MAX_INPUT_LENGTH or _FORBIDDEN.search(value):
        raise ValidationError(INVALID, code="invalid")
    local, _, domain = value.rpartition("@")
    local = local.lower()
    try:
        domain = punycode(domain.lower())  # Django's encoding, as used to send
    except UnicodeError:  # a label too long or empty once encoded, a forbidden character
        raise ValidationError(INVALID, code="invalid") from None
    address = f"{local}@{domain}"
    if (
        not local
        or len(local) > MAX_LOCAL_LENGTH
        or len(domain) > MAX_DOMAIN_LENGTH
        or len(address) > MAX_LENGTH
    ):
        raise ValidationError(INVALID, code="invalid")
    validate_email(address)
    return address
