"""Followers: sign-up (recorded in the request, acted on by the worker), confirmation,
scope, leaving, and imports from the old blog.

Nothing here sends mail: a confirmation is a Delivery row, sent by the worker
(subscribers.sending). The task `process_sign_up` lives here, next to what it runs.
"""

import contextlib
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone

from incidents.models import Component, ComponentGroup
from public_store.warming import public_state_changed

from ..addresses import normalize_email
from ..channels.signing import new_secret
from ..channels.targets import check_url
from ..models import Delivery, DeliveryKind, DeliveryState, SignUp, Subscriber, SubscriberKind
from ..sending import deliver
from ..tokens import CONFIRM_MAX_AGE


def followers_changed():
    """Mark the public state changed after commit: "Join N other followers" is on every
    public page."""
    transaction.on_commit(public_state_changed)


def sign_up_record(
    *,
    email: str,
    components: Iterable[Component] = (),
    groups: Iterable[ComponentGroup] = (),
    webhook_url: str = "",
) -> SignUp:
    """Record a sign-up for the worker to act on (`sign_up_process`).

    The same statements whatever the address: the answer to a sign-up must not take
    longer for a new address than for a follower. A bad address raises ValidationError.
    """
    with transaction.atomic():
        sign_up = SignUp.objects.create(
            email=normalize_email(email),
            webhook_url=check_url(webhook_url) if webhook_url else "",
            component_ids=[c.pk for c in components],
            group_ids=[g.pk for g in groups],
        )
        transaction.on_commit(lambda: process_sign_up.enqueue(sign_up.pk))
    return sign_up


def sign_up_process(*, sign_up_id: int) -> bool:
    """Act on a recorded sign-up once: subscribe (or remind), then forget the record.

    Safe to run twice or in two workers at once: the record is locked, acted on and
    deleted in one transaction, so whoever comes second finds nothing to do.
    """
    with transaction.atomic():
        sign_up = SignUp.objects.select_for_update(skip_locked=True).filter(pk=sign_up_id).first()
        if sign_up is None:
            return False
        # An address the checks refuse now (they grew stricter since) is dropped.
        with contextlib.suppress(ValidationError):
            subscriber_subscribe(
                email=sign_up.email,
                components=Component.objects.filter(pk__in=sign_up.component_ids),
                groups=ComponentGroup.objects.filter(pk__in=sign_up.group_ids),
                webhook_url=sign_up.webhook_url,
            )
        sign_up.delete()
    return True


@task
def process_sign_up(sign_up_id: int) -> bool:
    return sign_up_process(sign_up_id=sign_up_id)


def sign_ups_process_due() -> int:
    """Act on sign-ups left behind (a task lost in a crash, for one); periodic job."""
    ids = list(SignUp.objects.values_list("pk", flat=True)[:1000])  # the rest next time
    return sum(sign_up_process(sign_up_id=pk) for pk in ids)


def subscriber_subscribe(
    *,
    email: str,
    components: Iterable[Component] = (),
    groups: Iterable[ComponentGroup] = (),
    webhook_url: str = "",
) -> Subscriber:
    """Sign up an address (or a webhook, with `email` its contact), or remind a pending
    one; a confirmation mail is queued.

    A confirmed follower is left as is (the caller's response must not tell the
    difference): its scope changes only through its own signed link. A bad address
    or URL raises ValidationError.
    """
    email = normalize_email(email)
    if webhook_url:
        key = {"kind": SubscriberKind.WEBHOOK, "url": check_url(webhook_url)}
    else:
        key = {"kind": SubscriberKind.EMAIL, "email": email}
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.select_for_update().get_or_create(**key)
        if subscriber.is_confirmed:
            return subscriber
        if webhook_url:
            subscriber.email = email  # the latest contact asks to confirm
            subscriber.secret = subscriber.secret or new_secret()
            subscriber.save(update_fields=["email", "secret"])
        _set_scope(subscriber, components, groups)
        _pending_confirmations(subscriber).delete()
        Delivery.objects.create(subscriber=subscriber, kind=DeliveryKind.CONFIRMATION)
        transaction.on_commit(deliver.enqueue)
    return subscriber


def subscriber_confirm(*, subscriber: Subscriber) -> Subscriber:
    if not subscriber.is_confirmed:
        with transaction.atomic():
            subscriber.confirmed_at = timezone.now()
            subscriber.save(update_fields=["confirmed_at"])
            _pending_confirmations(subscriber).delete()  # no longer needed
            followers_changed()
    return subscriber


def _pending_confirmations(subscriber):
    return Delivery.objects.filter(
        subscriber=subscriber, kind=DeliveryKind.CONFIRMATION, state=DeliveryState.PENDING
    )


def subscriber_set_scope(
    *,
    subscriber: Subscriber,
    components: Iterable[Component] = (),
    groups: Iterable[ComponentGroup] = (),
) -> Subscriber:
    """Follow some components and groups only; none at all means everything."""
    with transaction.atomic():
        _set_scope(subscriber, components, groups)
    return subscriber


def _set_scope(subscriber, components, groups):
    components, groups = list(components), list(groups)
    subscriber.all_components = not components and not groups
    subscriber.save(update_fields=["all_components"])
    subscriber.components.set(components)
    subscriber.groups.set(groups)


def subscriber_unsubscribe(*, subscriber: Subscriber) -> None:
    """Forget the address at once, with its pending mail."""
    with transaction.atomic():
        was_confirmed = subscriber.is_confirmed
        subscriber.delete()
        if was_confirmed:
            followers_changed()


def subscribers_expire_pending() -> int:
    """Remove sign-ups never confirmed while their link was valid (periodic job)."""
    expired = Subscriber.objects.pending().filter(created_at__lt=timezone.now() - CONFIRM_MAX_AGE)
    _, deleted = expired.delete()
    return deleted.get(Subscriber._meta.label, 0)


def subscriber_reactivate(*, subscriber: Subscriber) -> Subscriber:
    """Send to a suppressed follower again (the operator says the cause is gone)."""
    subscriber.suppressed_at, subscriber.suppressed_reason = None, ""
    subscriber.failing_since, subscriber.soft_bounces = None, 0
    subscriber.save(
        update_fields=["suppressed_at", "suppressed_reason", "failing_since", "soft_bounces"]
    )
    return subscriber


def subscribers_import(*, followers: Mapping[str, Iterable[int]]) -> int:
    """Add already-confirmed followers (from the old blog), address -> component ids
    (none: everything), in one short transaction; returns how many were new.

    One INSERT … ON CONFLICT DO NOTHING RETURNING for the lot: addresses already known
    (even if signed up a moment ago) are skipped and not counted. The public state is
    not marked changed: an import of many batches does that once (followers_changed).
    """
    rows = {normalize_email(email): list(ids) for email, ids in followers.items()}
    if not rows:
        return 0
    with transaction.atomic():
        added = _insert_new_followers(rows)
        through = Subscriber.components.through
        through.objects.bulk_create(
            through(subscriber_id=pk, component_id=component_id)
            for email, pk in added.items()
            for component_id in rows[email]
        )
    return len(added)


def _insert_new_followers(rows):
    """Insert the addresses not yet known; {address: id} of those inserted."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    # Not injectable (bandit B608): the table name comes from the model, values are parameters.
    sql = f"""
        INSERT INTO {Subscriber._meta.db_table}
            (kind, email, url, all_components, created_at, confirmed_at, imported,
             secret, previous_secret, suppressed_reason, soft_bounces)
        VALUES {values}
        ON CONFLICT (email) WHERE kind = 'email' DO NOTHING
        RETURNING id, email
    """  # noqa: S608  # nosec B608
    params = []
    for email, component_ids in rows.items():
        params += ["email", email, "", not component_ids, now, now, True, "", "", "", 0]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {email: pk for pk, email in cursor.fetchall()}


def subscribers_count_known(*, emails: Iterable[str], urls: Iterable[tuple] = ()) -> int:
    """How many of these addresses (in their normal form) and (kind, URL) pairs are
    followers already."""
    known = Subscriber.objects.by_email().filter(email__in=list(emails)).count()
    for kind, url in urls:
        known += Subscriber.objects.filter(kind=kind, url=url).exists()
    return known
