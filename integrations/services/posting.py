"""What an alert group writes to its incident, through incidents.services alone.

Who speaks: an incident opens (or reopens) in public only with auto-publish, after the
hold-down; otherwise as a draft awaiting approval. Later posts (new alerts, resolution)
are public only while the incident is public and no person has posted to it; once a
person has, the machine only drafts, for that person to publish or drop.
"""

import datetime
from collections import defaultdict

from incidents import services as incidents
from incidents.models import (
    COMPONENT_SEVERITY,
    Component,
    ComponentStatus,
    ComponentStatusChange,
    Impact,
    IncidentStatus,
    IncidentUpdate,
    worst_status,
)

from .. import wording
from ..models import AlertGroup, AutomaticPost, GroupState, PostKind
from .integrations import integration_log

# A group firing again this soon after its incident was resolved automatically reopens it.
REOPEN_WITHIN = datetime.timedelta(minutes=10)
IMPACTS = {
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
}
HEADLINES = {
    PostKind.CHANGED: "Alerts changed",
    PostKind.RESOLVED: "Alerts resolved",
    PostKind.REOPENED: "Firing again",
}


def open_or_reopen(group: AlertGroup, *, public: bool) -> IncidentUpdate:
    """The group fires: open its incident, or reopen the one it resolved lately."""
    incident = group.incident
    recent = group.resolved_at and group.resolved_at >= group.firing_since - REOPEN_WITHIN
    if incident is not None and not incident.is_open and group.auto_resolved and recent:
        return _post(group, PostKind.REOPENED, public=public, published_at=group.firing_since)
    demands = firing_demands(group)
    title, body = _wording(group, "firing")
    update = incidents.incident_open(
        title=title,
        status=IncidentStatus.INVESTIGATING,
        body=body,
        impact=_impact(demands),
        component_changes=_component_changes(group, demands),
        published_at=group.firing_since,
        is_draft=not public,
        notify=True,
    )
    group.incident, group.title = update.incident, title
    _recorded(group, update, PostKind.OPENED, demands)
    integration_log(
        integration=group.integration,
        group=group,
        message=f"Opened “{title}”{' in public' if public else ' as a draft awaiting approval'}.",
    )
    return update


def post_change(group: AlertGroup, *, new_alerts: bool) -> IncidentUpdate | None:
    """New alerts fired in the group, or its alerts' severities moved: say so."""
    if not new_alerts and firing_demands(group) == group.demands:
        return None
    return _post(group, PostKind.CHANGED, public=speaks_in_public(group))


def post_resolution(group: AlertGroup) -> IncidentUpdate | None:
    """Every alert of the group resolved: resolve the incident (which brings its
    components back), or, if a person has posted to it, leave a draft for that person."""
    public = speaks_in_public(group)
    update = _post(group, PostKind.RESOLVED, public=public)
    group.auto_resolved = public
    return update


def drop_pending_resolution(group: AlertGroup) -> None:
    """The group fires again before anyone published its "Alerts resolved" draft."""
    for post in group.posts.filter(kind=PostKind.RESOLVED, update__went_live_at__isnull=True):
        incidents.update_delete(update=post.update)


def speaks_in_public(group: AlertGroup) -> bool:
    incident = group.incident
    return incident.updates.published().exists() and not person_has_posted(group)


def person_has_posted(group: AlertGroup) -> bool:
    """Whether the incident has an update that no alert group wrote (a draft counts)."""
    automatic = AutomaticPost.objects.filter(update__incident=group.incident).values("update_id")
    return group.incident.updates.exclude(pk__in=automatic).exists()


def pending_drafts(group: AlertGroup):
    """The group's automatic posts waiting as drafts, oldest first."""
    return group.posts.filter(update__is_draft=True).select_related("update")


def publish(group: AlertGroup, *, actor) -> int:
    """Publish the group's waiting drafts, oldest first (what "Publish" does)."""
    posts = list(pending_drafts(group))
    for post in posts:
        incidents.update_edit(update=post.update, is_draft=False, actor=actor)
    if posts:
        integration_log(
            integration=group.integration,
            group=group,
            message=f"“{group}” published by {actor.get_username()}.",
        )
    return len(posts)


def discard(group: AlertGroup, *, actor) -> int:
    """Delete the group's waiting drafts (and the incident, if nothing else is left)."""
    posts = list(pending_drafts(group))
    for post in posts:
        incidents.update_delete(update=post.update, actor=actor)
    if posts:
        integration_log(
            integration=group.integration,
            group=group,
            message=f"Drafts of “{group}” discarded by {actor.get_username()}.",
        )
    return len(posts)


def firing_demands(group: AlertGroup) -> dict[str, str]:
    """{component id: the worst status its firing alerts ask for}."""
    severities = group.integration.severities
    demands = defaultdict(list)
    for alert in group.alerts.values():
        status = severities.get(alert["severity"])
        if alert["status"] == "firing" and status and alert["component_id"]:
            demands[str(alert["component_id"])].append(status)
    return {component: worst_status(statuses) for component, statuses in demands.items()}


def _post(group, kind, *, public, published_at=None) -> IncidentUpdate:
    resolving = kind == PostKind.RESOLVED
    demands = {} if resolving else firing_demands(group)
    incident = group.incident
    status = IncidentStatus.RESOLVED if resolving else _open_status(incident)
    impact = _impact(demands)
    update = incidents.update_create(
        incident=incident,
        status=status,
        headline=HEADLINES[kind],
        body=_wording(group, "resolved" if resolving else "firing")[1],
        impact=None if resolving or impact == incident.impact else impact,
        # A resolution names only what other alerts still hold: incidents' default brings
        # back the rest when it goes live (so a draft resolution undoes a draft opening).
        component_changes=_still_demanded(group)
        if resolving
        else _component_changes(group, demands),
        published_at=published_at,
        is_draft=not public,
        notify=True,
    )
    _recorded(group, update, kind, demands)
    where = "in public" if public else "as a draft awaiting approval"
    integration_log(
        integration=group.integration,
        group=group,
        message=f"{HEADLINES[kind]}: posted to “{incident}” {where}.",
    )
    return update


def _open_status(incident) -> str:
    return incident.status if incident.is_open else IncidentStatus.INVESTIGATING


def _recorded(group, update, kind, demands):
    AutomaticPost.objects.create(group=group, update=update, kind=kind)
    group.demands = demands


def _impact(demands) -> str:
    return IMPACTS.get(worst_status(demands.values()), Impact.NONE)


def _component_changes(group, demands) -> dict[Component, str]:
    """What to set each component to: the worst that any alert group now asks for.

    A component is raised to it, or brought back down only from the status alerts had
    put it in (a status a person set by hand stays). Drafts not yet published count as
    done. A resolution does not come here: see post_resolution."""
    others = _other_groups_demands(group)
    ids = {int(c) for c in [*group.demands, *demands]}
    drafted = _drafted_statuses(group, ids)
    changes = {}
    for component in Component.objects.filter(pk__in=ids):
        key = str(component.pk)
        before = worst_status([*others[key], *filter(None, [group.demands.get(key)])])
        after = worst_status([*others[key], *filter(None, [demands.get(key)])])
        current = drafted.get(component.pk, component.status)
        raised = COMPONENT_SEVERITY.index(after) > COMPONENT_SEVERITY.index(current)
        if current != after and (raised or current == before):
            changes[component] = after
    return changes


def _still_demanded(group) -> dict[Component, str]:
    """The group resolves: components other firing groups still ask for keep the worst
    of those demands (it may not be a change). Their incidents may have changed nothing
    (the status was already there), so incidents' default cannot know they hold it."""
    others = _other_groups_demands(group)
    ids = [int(c) for c in group.demands if others[c]]
    drafted = _drafted_statuses(group, ids)
    held = {}
    for component in Component.objects.filter(pk__in=ids):
        key = str(component.pk)
        after = worst_status(others[key])
        before = worst_status([*others[key], group.demands[key]])
        if drafted.get(component.pk, component.status) in (before, after):
            held[component] = after  # the alerts' doing; a status set by hand stays
    return held


def _drafted_statuses(group, ids) -> dict[int, str]:
    """{component id: the status the incident's unpublished posts set it to}."""
    if group.incident is None:
        return {}
    pending = ComponentStatusChange.objects.filter(
        update__incident=group.incident, update__went_live_at__isnull=True, component_id__in=ids
    )
    return dict(pending.order_by("changed_at", "id").values_list("component_id", "new_status"))


def _other_groups_demands(group) -> dict[str, list[str]]:
    found = defaultdict(list)
    firing = AlertGroup.objects.filter(state=GroupState.FIRING, incident__isnull=False)
    for demands in firing.exclude(pk=group.pk).values_list("demands", flat=True):
        for component, status in demands.items():
            found[component].append(status)
    return found


def _wording(group, status) -> tuple[str, str]:
    """The title and message its integration's templates give for the group's alerts."""
    alerts = list(group.alerts.values())
    if status == "firing":
        alerts = [alert for alert in alerts if alert["status"] == "firing"]
    names = dict(Component.objects.filter(pk__in=_component_ids(alerts)).values_list("pk", "name"))
    values = wording.context(alerts, components=sorted(set(names.values())), status=status)
    integration = group.integration
    title, title_error = wording.render(integration.title_template, wording.DEFAULT_TITLE, values)
    template, default = (
        (integration.message_template, wording.DEFAULT_MESSAGE)
        if status == "firing"
        else (integration.resolved_template, wording.DEFAULT_RESOLVED)
    )
    body, body_error = wording.render(template, default, values)
    for error in filter(None, [title_error, body_error]):
        integration_log(
            integration=integration,
            message=f"A template failed ({error}); the default wording was used.",
            level="warning",
            quiet=True,
        )
    return wording.as_title(title, values["title"]), wording.as_message(body)


def _component_ids(alerts):
    return {alert["component_id"] for alert in alerts if alert["component_id"]}
