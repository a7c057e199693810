from django.db import models
from django.utils.crypto import get_random_string

PUBLIC_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
# What a public id may be: ours are 12 of the alphabet above; imported ones keep
# Statuspage's. Checked before any lookup, so that nothing else reaches a query.
PUBLIC_ID_PATTERN = r"[A-Za-z0-9_-]{1,32}"


def new_public_id():
    # Random, like Statuspage's ids: a URL reveals neither row counts nor order.
    return get_random_string(12, PUBLIC_ID_ALPHABET)


class PublicIdField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("default", new_public_id)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)
