"""Dates that need a person's confirmation: a post that would rewrite the past.

A post dated before its incident started, or one that leaves an incident open since
more than a week ago ("Duration 10196 days so far", weeks of red uptime) is most
often a typo. The services refuse it with the code "needs_confirmation" unless called
with confirmed=True; the admin asks, the shell wants --yes.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Min
from django.utils import timezone

from ..models import CLOSED_STATUSES, Incident, IncidentKind, IncidentUpdate

NEEDS_CONFIRMATION = "needs_confirmation"
# An open incident backdated further than this needs confirming.
OPEN_SINCE_LIMIT = datetime.timedelta(days=7)
# Forms give times to the second or the minute: within this of the start is the start.
SAME_MOMENT = datetime.timedelta(minutes=1)


def check_post_date(
    *,
    incident: Incident | None,
    status: str,
    published_at: datetime.datetime,
    kind: str = IncidentKind.INCIDENT,
    update: IncidentUpdate | None = None,
) -> None:
    """Raise ValidationError(code="needs_confirmation") for a date to confirm.
    `incident`: None when opening one (the post is its first, of `kind`); `update`: the
    post being edited, if it is one (its own date is not the incident's). A maintenance
    lasts its window, not from its announcement: only the first rule is for it."""
    others = IncidentUpdate.objects.none()
    if incident is not None and incident.pk:
        others = incident.updates.exclude(pk=update.pk) if update else incident.updates.all()
    started = others.published().aggregate(first=Min("published_at"))["first"]
    if update is None and incident is not None and incident.pk:
        started = incident.started_at
    if started and published_at < started - SAME_MOMENT:
        raise ValidationError(
            f"This post is dated {when(published_at)}, before the incident started "
            f"({when(started)}).",
            code=NEEDS_CONFIRMATION,
        )
    kind = incident.kind if incident is not None else kind
    if kind != IncidentKind.INCIDENT or status in CLOSED_STATUSES:
        return
    if published_at >= timezone.now() - OPEN_SINCE_LIMIT:
        return
    if others.filter(published_at__gt=published_at).exists():
        return  # not the latest word: the incident's state is the later posts'
    days = (timezone.now() - published_at).days
    raise ValidationError(
        f"This post is dated {when(published_at)}, {days} days ago, and leaves the incident "
        f"open since then: its page would say it has lasted {days} days so far.",
        code=NEEDS_CONFIRMATION,
    )


def needs_confirmation(error: ValidationError) -> bool:
    return getattr(error, "code", None) == NEEDS_CONFIRMATION


def when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")
