"""Addresses stored before they had one normal form (domains were kept in Unicode) are
rewritten in it (IDNA), so that signing up again finds the same follower.

Two rows that turn out to be one mailbox become one: the confirmed one is kept (or the
older, if both are or neither is). An address with no normal form (too long once
encoded) is left as it was; mail to it fails as before. Links in mail already sent
still work: they are checked against the normal form of the address they carry.
"""

from django.core.exceptions import ValidationError
from django.db import migrations

from subscribers.addresses import normalize_email


def rewrite_addresses(apps, schema_editor):
    Subscriber = apps.get_model("subscribers", "Subscriber")
    for pk, email in _changed(Subscriber):
        rows = [*Subscriber.objects.filter(pk=pk), *Subscriber.objects.filter(email=email)]
        keep, *drop = sorted(rows, key=lambda s: (s.confirmed_at is None, s.created_at, s.pk))
        for duplicate in drop:
            duplicate.delete()
        keep.email = email
        keep.save(update_fields=["email"])


def _changed(Subscriber):
    """(id, normal form) of every address not in its normal form."""
    changed = []
    for pk, old in Subscriber.objects.values_list("pk", "email").iterator():
        try:
            email = normalize_email(old)
        except ValidationError:
            continue
        if email != old:
            changed.append((pk, email))
    return changed


class Migration(migrations.Migration):
    dependencies = [("subscribers", "0001_initial")]

    operations = [migrations.RunPython(rewrite_addresses, migrations.RunPython.noop)]
