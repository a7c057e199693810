"""Signed links in followers' mail: no login, no database lookup to trust them.

The address is signed along with the id, so a link never acts on a different follower
(ids can be reused after a deletion on SQLite).
"""

import datetime

from django.core import signing

CONFIRM_SALT = "subscribers.confirm"
MANAGE_SALT = "subscribers.manage"
CONFIRM_MAX_AGE = datetime.timedelta(days=7)


class InvalidLink(Exception):
    pass


class ExpiredLink(InvalidLink):
    pass


def confirm_token(subscriber):
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign_object(
        [subscriber.pk, subscriber.email], compress=True
    )


def manage_token(subscriber):
    # No expiry: an unsubscribe link in a years-old mail must still work.
    return signing.Signer(salt=MANAGE_SALT).sign_object(
        [subscriber.pk, subscriber.email], compress=True
    )


def read_confirm_token(token):
    try:
        payload = signing.TimestampSigner(salt=CONFIRM_SALT).unsign_object(
            token, max_age=CONFIRM_MAX_AGE
        )
    except signing.SignatureExpired as error:
        raise ExpiredLink from error
    except (signing.BadSignature, ValueError) as error:
        raise InvalidLink from error
    return _checked(payload)


def read_manage_token(token):
    try:
        payload = signing.Signer(salt=MANAGE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError) as error:
        raise InvalidLink from error
    return _checked(payload)


def _checked(payload):
    """(id, address) as we sign them; anything else is not one of our links, even if it
    carries a valid signature (one made with a leaked or fallback key, say)."""
    match payload:
        case [int(subscriber_id), str(email)] if (
            0 < subscriber_id < 2**63 and len(email) <= 320 and "\x00" not in email
        ):
            return subscriber_id, email
    raise InvalidLink
