"""The one write path for everything the public can see.

The admin, the `post_update` command, the importer, the worker's periodic jobs and the
tests all call these functions. Each runs in one transaction: it validates, writes the
rows, records follow-up work (followers' notifications, a "public state changed" mark
that fires on commit) and returns. No mail, rendering or network happens here.
"""

import datetime
from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from statuspage import public_cache
from subscribers.services import notification_schedule

from . import audit
from .markdown import render_markdown
from .models import (
    CLOSED_STATUSES,
    Component,
    ComponentGroup,
    ComponentStatus,
    ComponentStatusChange,
    Impact,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
)

# A post dated further back than this is backfilled history: nobody is mailed by default.
BACKDATED_AFTER = datetime.timedelta(minutes=10)
INCIDENT_EDITABLE_FIELDS = {
    "title",
    "impact",
    "scheduled_for",
    "scheduled_until",
    "auto_transition",
}


def _changed():
    """Record that the public state changed; cached pages are refreshed after commit.

    Called once by each public service function, not by the helpers they share.
    """
    transaction.on_commit(public_cache.changed)


def _check_component_changes(component_changes):
    for component, status in component_changes.items():
        if not isinstance(component, Component) or component.pk is None:
            raise ValidationError(f"Unknown component {component!r}.")
        if status not in ComponentStatus.values:
            allowed = ", ".join(ComponentStatus.values)
            raise ValidationError(f"“{status}” is not a component status (use one of: {allowed}).")


def incident_open(
    *,
    title: str,
    status: str,
    body: str = "",
    headline: str = "",
    kind: str = IncidentKind.INCIDENT,
    impact: str | None = None,
    component_changes: Mapping[Component, str] | None = None,
    published_at: datetime.datetime | None = None,
    is_draft: bool = False,
    notify: bool | None = None,
    author=None,
    scheduled_for: datetime.datetime | None = None,
    scheduled_until: datetime.datetime | None = None,
    auto_transition: bool = False,
) -> IncidentUpdate:
    """Open an incident or schedule a maintenance, with its first post."""
    if impact is None:
        impact = Impact.NONE if kind == IncidentKind.MAINTENANCE else Impact.MINOR
    published_at = published_at or timezone.now()
    incident = Incident(
        title=title.strip(),
        kind=kind,
        impact=impact,
        status=status,
        started_at=published_at,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
        auto_transition=auto_transition and kind == IncidentKind.MAINTENANCE,
    )
    incident.full_clean()
    component_changes = dict(component_changes or {})
    with transaction.atomic():
        incident.save()
        audit.saved(incident, before=None, actor=author)
        if status == IncidentStatus.SCHEDULED:
            # Components of a maintenance still ahead are affected, not changed: they
            # go under maintenance when it starts (by hand, or automatically).
            _check_component_changes(component_changes)
            incident.components.add(*component_changes)
            component_changes = {}
        return update_post(
            incident=incident,
            status=status,
            body=body,
            headline=headline,
            component_changes=component_changes,
            published_at=published_at,
            is_draft=is_draft,
            notify=notify,
            author=author,
        )


def update_post(
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
    author=None,
) -> IncidentUpdate:
    """Post an update to an incident: the status now, a message, component changes."""
    component_changes = dict(component_changes or {})
    _check_component_changes(component_changes)
    now = timezone.now()
    published_at = published_at or now
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
                update=update,
                old_status=component.status,
                new_status=new_status,
                changed_at=published_at,
            )
        if component_changes:
            incident.components.add(*component_changes)
        if update.is_published:
            _go_live(update, actor=author)
            _changed()
        # A draft or a post for later changes nothing public until it goes live.
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
) -> IncidentUpdate:
    """Edit a post; publishing a draft (is_draft=False) makes it go live."""
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
    ]:
        if value is not None:
            setattr(update, name, value)
    update.full_clean()
    update.body_html = render_markdown(update.body)
    with transaction.atomic():
        before = audit.stored(update)
        update.save()
        audit.saved(update, before=before, actor=actor)
        update.component_changes.update(changed_at=update.published_at)
        if update.is_published and update.went_live_at is None:
            _go_live(update, actor=actor)
        elif update.is_published or was_published:
            _incident_refresh(update.incident)
        else:
            return update  # a draft, still: nothing public changed
        _changed()
    return update


def update_delete(*, update: IncidentUpdate, actor=None) -> None:
    """Delete a post; it disappears from every public page, feed and API response."""
    incident = update.incident
    with transaction.atomic():
        audit.deleted(update, actor=actor)
        if update.went_live_at is None:
            # Never applied: the intended component changes go with the post.
            update.component_changes.all().delete()
        update.delete()
        if incident.updates.exists():
            _incident_refresh(incident)
        else:
            audit.deleted(incident, actor=actor)
            incident.delete()
        _changed()


def incident_edit(*, incident: Incident, actor=None, **fields) -> Incident:
    """Change an incident's own fields (title, impact, window, ...), not its posts."""
    unknown = set(fields) - INCIDENT_EDITABLE_FIELDS
    if unknown:
        raise ValidationError(f"Cannot edit {', '.join(sorted(unknown))} of an incident.")
    for name, value in fields.items():
        setattr(incident, name, value)
    incident.full_clean()
    with transaction.atomic():
        before = audit.stored(incident)
        incident.save()
        audit.saved(incident, before=before, actor=actor)
        _changed()
    return incident


def incident_delete(*, incident: Incident, actor=None) -> None:
    with transaction.atomic():
        audit.deleted(incident, actor=actor, extra={"posts": str(incident.updates.count())})
        incident.delete()
        _changed()


def component_save(*, component: Component, actor=None) -> Component:
    """Create or edit a component; a status change is recorded for history and uptime."""
    component.full_clean()
    with transaction.atomic():
        old_status = None
        if component.pk:
            old_status = Component.objects.select_for_update().get(pk=component.pk).status
        before = audit.stored(component)
        component.save()
        audit.saved(component, before=before, actor=actor)
        if old_status is not None and old_status != component.status:
            ComponentStatusChange.objects.create(
                component=component, old_status=old_status, new_status=component.status
            )
        _changed()
    return component


def component_set_status(*, component: Component, status: str, actor=None) -> Component:
    component.status = status
    return component_save(component=component, actor=actor)


def component_delete(*, component: Component, actor=None) -> None:
    with transaction.atomic():
        audit.deleted(component, actor=actor)
        component.delete()
        _changed()


def group_save(*, group: ComponentGroup, actor=None) -> ComponentGroup:
    group.full_clean()
    with transaction.atomic():
        before = audit.stored(group)
        group.save()
        audit.saved(group, before=before, actor=actor)
        _changed()
    return group


def group_delete(*, group: ComponentGroup, actor=None) -> None:
    with transaction.atomic():
        audit.deleted(group, actor=actor)
        group.delete()
        _changed()


def updates_release_due() -> int:
    """Let drafts and future-dated posts whose time has come go live (periodic job)."""
    released = 0
    # Oldest first: of posts due together, the latest one's impact is the incident's.
    due = IncidentUpdate.objects.live_pending().select_related("incident")
    for update in due.order_by("published_at", "id"):
        with transaction.atomic():
            locked = IncidentUpdate.objects.select_for_update().filter(
                pk=update.pk, went_live_at=None
            )
            if locked.exists():
                _go_live(update, actor=None)
                _changed()
                released += 1
    return released


def maintenances_transition_due() -> int:
    """Start and complete automatic maintenances on time (periodic job)."""
    now = timezone.now()
    moves = 0
    due = Incident.objects.public().filter(auto_transition=True, kind=IncidentKind.MAINTENANCE)
    starting = due.filter(status=IncidentStatus.SCHEDULED, scheduled_for__lte=now)
    ending = due.filter(
        status__in=[IncidentStatus.IN_PROGRESS, IncidentStatus.VERIFYING], scheduled_until__lte=now
    )
    for incident in [*starting, *ending]:
        with transaction.atomic():
            # Re-read under a lock: another worker may have moved it meanwhile.
            locked = Incident.objects.select_for_update().get(pk=incident.pk)
            if locked.status == incident.status:
                _maintenance_step(locked)
                moves += 1
    return moves


def _maintenance_step(incident: Incident) -> IncidentUpdate:
    components = incident.components.all()
    if incident.status == IncidentStatus.SCHEDULED:
        return update_post(
            incident=incident,
            status=IncidentStatus.IN_PROGRESS,
            headline="Maintenance started",
            body="The scheduled maintenance is now in progress.",
            component_changes=dict.fromkeys(components, ComponentStatus.UNDER_MAINTENANCE),
        )
    # Only components still under maintenance go back; one that broke meanwhile stays.
    return update_post(
        incident=incident,
        status=IncidentStatus.COMPLETED,
        headline="Maintenance completed",
        body="The scheduled maintenance has been completed.",
        component_changes=dict.fromkeys(
            components.filter(status=ComponentStatus.UNDER_MAINTENANCE), ComponentStatus.OPERATIONAL
        ),
    )


def _changes_in_words(component_changes) -> dict[str, str]:
    if not component_changes:
        return {}
    words = ", ".join(
        f"{component}: {ComponentStatus(status).label}"
        for component, status in component_changes.items()
    )
    return {"component_changes": words}


def _go_live(update: IncidentUpdate, *, actor) -> None:
    """Apply a visible post's effects: component statuses, the incident's impact and
    state, mail."""
    for change in update.component_changes.select_related("component"):
        _apply_component_change(change)
    update.went_live_at = timezone.now()
    update.save(update_fields=["went_live_at"])
    _apply_impact(update, actor=actor)
    _incident_refresh(update.incident)
    if update.notify:
        # The one call from incidents into subscribers: the followers' outbox entry.
        notification_schedule(update=update)


def _apply_impact(update: IncidentUpdate, *, actor) -> None:
    incident = update.incident
    if not update.impact or update.impact == incident.impact:
        return
    later = incident.updates.filter(
        went_live_at__isnull=False, published_at__gt=update.published_at
    ).exclude(impact="")
    if later.exists():
        return  # backfilled history: a later post has set the impact since
    before = audit.snapshot(incident)
    incident.impact = update.impact
    incident.save(update_fields=["impact", "updated_at"])
    audit.saved(incident, before=before, actor=actor)


def _stored_impact(update: IncidentUpdate) -> str:
    return IncidentUpdate.objects.filter(pk=update.pk).values_list("impact", flat=True).get()


def _apply_component_change(change: ComponentStatusChange) -> None:
    component = Component.objects.select_for_update().get(pk=change.component_id)
    later = ComponentStatusChange.objects.applied().filter(
        component=component, changed_at__gt=change.changed_at
    )
    if later.exists():
        # Backfilled history: the change sits in the past and the current status stays.
        earlier = (
            ComponentStatusChange.objects.applied()
            .filter(component=component, changed_at__lt=change.changed_at)
            .exclude(pk=change.pk)
            .last()
        )
        change.old_status = earlier.new_status if earlier else ComponentStatus.OPERATIONAL
    else:
        change.old_status = component.status
        component.status = change.new_status
        component.save(update_fields=["status", "updated_at"])
    change.save(update_fields=["old_status"])


def _incident_refresh(incident: Incident) -> None:
    """Derive the incident's status and milestones from its published posts."""
    published = list(incident.updates.published().order_by("published_at", "id"))
    if not published:
        return
    latest = published[-1]
    incident.status = latest.status
    incident.started_at = published[0].published_at
    incident.monitoring_at = next(
        (u.published_at for u in published if u.status == IncidentStatus.MONITORING), None
    )
    incident.resolved_at = latest.published_at if latest.status in CLOSED_STATUSES else None
    incident.save(
        update_fields=["status", "started_at", "monitoring_at", "resolved_at", "updated_at"]
    )


# Imports from Statuspage (incidents.importer). They keep the source's ids, times and
# statuses, mail nobody, and never replay history onto the components' current status.


def group_import(
    *,
    public_id: str,
    name: str,
    description: str,
    position: int,
    created_at: datetime.datetime,
    updated_at: datetime.datetime,
) -> ComponentGroup:
    with transaction.atomic():
        group = ComponentGroup.objects.filter(public_id=public_id).first()
        before = group and audit.snapshot(group)
        group = group or ComponentGroup(public_id=public_id)
        group.name, group.description, group.position = name, description, position
        group.created_at = created_at
        group.full_clean()
        group.save()
        audit.saved(group, before=before, actor=None)
        _keep_updated_at(group, updated_at)
        _changed()
    return group


def component_import(
    *,
    public_id: str,
    name: str,
    status: str,
    description: str,
    position: int,
    group: ComponentGroup | None,
    start_date: datetime.date | None,
    created_at: datetime.datetime,
    updated_at: datetime.datetime,
) -> Component:
    """Create or refresh a component; a new status is recorded as a change at updated_at."""
    with transaction.atomic():
        component = Component.objects.select_for_update().filter(public_id=public_id).first()
        old_status = component.status if component else None
        before = component and audit.snapshot(component)
        component = component or Component(public_id=public_id)
        component.name, component.status, component.description = name, status, description
        component.position, component.group, component.start_date = position, group, start_date
        component.created_at = created_at
        component.full_clean()
        component.save()
        audit.saved(component, before=before, actor=None)
        if old_status is not None and old_status != status:
            ComponentStatusChange.objects.create(
                component=component, old_status=old_status, new_status=status, changed_at=updated_at
            )
        _keep_updated_at(component, updated_at)
        _changed()
    return component


def incident_import(
    *,
    public_id: str,
    kind: str,
    title: str,
    status: str,
    impact: str,
    created_at: datetime.datetime,
    updated_at: datetime.datetime,
    started_at: datetime.datetime,
    monitoring_at: datetime.datetime | None,
    resolved_at: datetime.datetime | None,
    scheduled_for: datetime.datetime | None,
    scheduled_until: datetime.datetime | None,
    components: Sequence[Component],
) -> Incident:
    """Create or refresh an incident or maintenance, without its posts (update_import)."""
    with transaction.atomic():
        incident = Incident.objects.filter(public_id=public_id).first()
        before = incident and audit.snapshot(incident)
        incident = incident or Incident(public_id=public_id)
        incident.kind, incident.title, incident.status, incident.impact = (
            kind,
            title,
            status,
            impact,
        )
        incident.created_at, incident.started_at = created_at, started_at
        incident.monitoring_at, incident.resolved_at = monitoring_at, resolved_at
        incident.scheduled_for, incident.scheduled_until = scheduled_for, scheduled_until
        incident.full_clean()
        incident.save()
        audit.saved(incident, before=before, actor=None)
        incident.components.add(*components)
        _keep_updated_at(incident, updated_at)
        _changed()
    return incident


def update_import(
    *,
    incident: Incident,
    public_id: str,
    status: str,
    body: str,
    created_at: datetime.datetime,
    updated_at: datetime.datetime,
    display_at: datetime.datetime,
    component_changes: Sequence[tuple[Component, str, str]] = (),
) -> IncidentUpdate:
    """Create or refresh a post; component_changes are (component, old, new) as recorded."""
    with transaction.atomic():
        update = IncidentUpdate.objects.filter(public_id=public_id).first()
        if update and update.incident_id != incident.pk:
            raise ValidationError({"id": f"“{public_id}” is a post of another incident."})
        before = update and audit.snapshot(update)
        update = update or IncidentUpdate(public_id=public_id, incident=incident)
        update.status, update.body = status, body
        # A post needs a message or a headline; Statuspage allows a bare status change.
        update.headline = "" if body.strip() else IncidentStatus(status).label
        update.published_at, update.created_at = display_at, created_at
        update.is_draft, update.notify = False, False
        # Marked live so that the release job never applies its changes to the components.
        update.went_live_at = update.went_live_at or timezone.now()
        update.full_clean()
        update.body_html = render_markdown(body)
        update.save()
        audit.saved(update, before=before, actor=None)
        update.component_changes.all().delete()
        ComponentStatusChange.objects.bulk_create(
            ComponentStatusChange(
                component=component, update=update, old_status=old, new_status=new,
                changed_at=display_at,
            )
            for component, old, new in component_changes
        )  # fmt: skip
        _keep_updated_at(update, updated_at)
        _changed()
    return update


def _keep_updated_at(obj, updated_at: datetime.datetime) -> None:
    # save() stamps auto_now fields with the import's time; update() keeps the source's.
    type(obj).objects.filter(pk=obj.pk).update(updated_at=updated_at)
    obj.updated_at = updated_at
