"""Followers added by operators (the shell, a CSV import, the admin): any kind, active at
once, no confirmation; and webhook secrets, rotated with an overlap."""

import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.models import Component, ComponentGroup

from ..addresses import normalize_email
from ..channels.signing import new_secret
from ..channels.targets import check_url
from ..models import Subscriber, SubscriberKind
from .followers import _set_scope, followers_changed

SECRET_OVERLAP = datetime.timedelta(hours=24)


def follower_key(*, kind: str, target: str) -> dict:
    """The fields that name a follower of this kind: a normal address, or a checked URL.
    Raises ValidationError."""
    if kind not in SubscriberKind.values:
        raise ValidationError(f"Unknown kind {kind!r}: one of {', '.join(SubscriberKind.values)}.")
    if kind == SubscriberKind.EMAIL:
        return {"kind": kind, "email": normalize_email(target)}
    return {"kind": kind, "url": check_url(target)}


def subscriber_add(
    *,
    kind: str,
    target: str,
    components: Iterable[Component] = (),
    groups: Iterable[ComponentGroup] = (),
    email: str = "",
) -> Subscriber:
    """Add a confirmed follower: `target` is the address (email) or the URL, `email` a
    URL's contact address. A webhook gets its signing secret. Raises ValidationError
    (a bad target, or one that already follows)."""
    key = follower_key(kind=kind, target=target)
    if kind != SubscriberKind.EMAIL:
        key["email"] = normalize_email(email) if email else ""
    subscriber = Subscriber(**key, confirmed_at=timezone.now())
    if kind == SubscriberKind.WEBHOOK:
        subscriber.secret = new_secret()
    try:
        with transaction.atomic():
            subscriber.save()
            _set_scope(subscriber, components, groups)
            followers_changed()
    except IntegrityError:
        raise ValidationError(f"{target} already follows.") from None
    return subscriber


def subscriber_rotate_secret(*, subscriber: Subscriber) -> Subscriber:
    """A new signing secret; the old one signs too for 24 hours, so that the receiver
    can switch to the new one without refusing a call."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.secret:
            subscriber.previous_secret = subscriber.secret
            subscriber.previous_secret_until = timezone.now() + SECRET_OVERLAP
        subscriber.secret = new_secret()
        subscriber.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return subscriber


def subscribers_import_urls(*, followers: Mapping[tuple[str, str], tuple[list[int], str]]) -> int:
    """Add confirmed followers of URLs, (kind, URL) -> (component ids, contact), in one
    short transaction; those already following are skipped. Returns how many were new."""
    added = 0
    with transaction.atomic():
        for (kind, url), (component_ids, contact) in followers.items():
            if Subscriber.objects.filter(kind=kind, url=url).exists():
                continue
            subscriber = Subscriber.objects.create(
                kind=kind,
                url=url,
                email=contact,
                imported=True,
                all_components=not component_ids,
                confirmed_at=timezone.now(),
                secret=new_secret() if kind == SubscriberKind.WEBHOOK else "",
            )
            subscriber.components.set(component_ids)
            added += 1
    return added
