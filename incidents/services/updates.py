"""Updates (the posts of the timeline): created, edited, deleted, released when due."""

import datetime
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import audit
from ..markdown import render_markdown
from ..models import Component, ComponentStatus, ComponentStatusChange, Incident, IncidentUpdate
from .common import check_component_changes, mark_public_state_changed
from .dates import check_post_date
from .editing import replace_component_changes
from .going_live import go_live, incident_refresh

# An update dated further back than this is backfilled history: nobody is mailed by default.
BACKDATED_AFTER = datetime.timedelta(minutes=10)


def update_create(
    *,
    incident: Incident,
    status: str,
    body: str = "",
    headline: str = "",
    impact: str | None = None,
    component_changes: Mapping[Component, str] | None = None,
    published_at: datetime.datetime | None = None,
    is_draft: bool = False,
    notify: bool | None = None,
    keep_components: bool = False,
    confirmed: bool = False,
    author=None,
) -> IncidentUpdate:
    """Post an update to an incident: the status now, a message, component changes.

    A resolution (resolved, completed) brings back the components the incident changed
    that it does not name, when it goes live (see restoring.py), unless keep_components.
    A date that rewrites the past needs `confirmed` (see dates.py)."""
    component_changes = dict(component_changes or {})
    check_component_changes(component_changes)
    now = timezone.now()
    published_at = published_at or now
    if not confirmed:
        check_post_date(incident=incident, status=status, published_at=published_at)
    if notify is None:
        notify = published_at >= now - BACKDATED_AFTER
    update = IncidentUpdate(
        incident=incident,
        status=status,
        headline=headline.strip(),
        body=body,
        impact=impact or "",
        published_at=published_at,
        is_draft=is_draft,
        notify=notify,
        keep_components=keep_components,
        author=author,
    )
    update.full_clean()
    update.body_html = render_markdown(body)  # once the body is known to be text it can hold
    with transaction.atomic():
        update.save()
        audit.saved(update, before=None, actor=author, extra=_changes_in_words(component_changes))
        for component, new_status in component_changes.items():
            ComponentStatusChange.objects.create(
                component=component,
                component_name=component.full_name,
                update=update,
                old_status=component.status,
                new_status=new_status,
                changed_at=published_at,
            )
        if component_changes:
            incident.components.add(*component_changes)
        if update.is_published:
            go_live(update, actor=author)
            mark_public_state_changed()
        # A draft or an update for later changes nothing public until it goes live.
    return update


def update_edit(
    *,
    update: IncidentUpdate,
    actor=None,
    status: str | None = None,
    body: str | None = None,
    headline: str | None = None,
    impact: str | None = None,
    published_at: datetime.datetime | None = None,
    is_draft: bool | None = None,
    notify: bool | None = None,
    keep_components: bool | None = None,
    component_changes: Mapping[Component, str] | None = None,
    confirmed: bool = False,
) -> IncidentUpdate:
    """Edit an update; publishing a draft (is_draft=False) makes it go live.
    `component_changes`: the post's changes from now on, all of them (see editing.py).
    A new date that rewrites the past needs `confirmed` (see dates.py)."""
    stored = IncidentUpdate.objects.filter(pk=update.pk).values("published_at", "status").get()
    if published_at is not None and published_at != stored["published_at"] and not confirmed:
        check_post_date(
            incident=update.incident,
            status=status or stored["status"],
            published_at=published_at,
            update=update,
        )
    if component_changes is not None:
        component_changes = dict(component_changes)
        check_component_changes(component_changes)
    if is_draft and update.went_live_at:
        raise ValidationError("A published post cannot go back to draft; delete it instead.")
    if impact is not None and update.went_live_at and impact != _stored_impact(update):
        raise ValidationError(
            "This post's impact was applied when it went live; change the incident's impact "
            "instead."
        )
    # From the database: the admin's form has already changed the instance.
    was_published = IncidentUpdate.objects.published().filter(pk=update.pk).exists()
    for name, value in [
        ("status", status),
        ("body", body),
        ("headline", headline.strip() if headline is not None else None),
        ("impact", impact),
        ("published_at", published_at),
        ("is_draft", is_draft),
        ("notify", notify),
        ("keep_components", keep_components),
    ]:
        if value is not None:
            setattr(update, name, value)
    update.full_clean()
    update.body_html = render_markdown(update.body)
    with transaction.atomic():
        before = audit.stored(update)
        update.save()
        words_before = _stored_changes_in_words(update)
        update.component_changes.update(changed_at=update.published_at)
        if component_changes is not None:
            replace_component_changes(update, component_changes)
        words = {"component_changes": _stored_changes_in_words(update)}
        before = before | {"component_changes": words_before}
        audit.saved(update, before=before, actor=actor, extra=words)
        if update.is_published and update.went_live_at is None:
            go_live(update, actor=actor)
        elif update.is_published or was_published:
            incident_refresh(update.incident)
        else:
            return update  # a draft, still: nothing public changed
        mark_public_state_changed()
    return update


def update_delete(*, update: IncidentUpdate, actor=None) -> None:
    """Delete an update; it disappears from every public page, feed and API response."""
    incident = update.incident
    with transaction.atomic():
        audit.deleted(update, actor=actor)
        if update.went_live_at is None:
            # Never applied: the intended component changes go with the update.
            update.component_changes.all().delete()
        update.delete()
        if incident.updates.exists():
            incident_refresh(incident)
        else:
            audit.deleted(incident, actor=actor)
            incident.delete()
        mark_public_state_changed()


def updates_release_due() -> int:
    """Let drafts and future-dated updates whose time has come go live (periodic job)."""
    released = 0
    # Oldest first: of updates due together, the latest one's impact is the incident's.
    due = IncidentUpdate.objects.live_pending().select_related("incident")
    for update in due.order_by("published_at", "id"):
        with transaction.atomic():
            locked = IncidentUpdate.objects.select_for_update().filter(
                pk=update.pk, went_live_at=None
            )
            if locked.exists():
                go_live(update, actor=None)
                mark_public_state_changed()
                released += 1
    return released


def _changes_in_words(component_changes) -> dict[str, str]:
    if not component_changes:
        return {}
    words = ", ".join(
        f"{component}: {ComponentStatus(status).label}"
        for component, status in component_changes.items()
    )
    return {"component_changes": words}


def _stored_changes_in_words(update: IncidentUpdate) -> str | None:
    changes = update.component_changes.select_related("component")
    words = _changes_in_words({change.component: change.new_status for change in changes})
    return words.get("component_changes")


def _stored_impact(update: IncidentUpdate) -> str:
    return IncidentUpdate.objects.filter(pk=update.pk).values_list("impact", flat=True).get()
