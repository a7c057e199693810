"""Posting while the database is unreachable ("break glass"), and replaying those posts.

`post_update` calls `journal_post` when it cannot reach the database: the post is
checked as far as it can be without the database, rendered for the public pages, and
written to the public store's journal (public_store/journal.py), whose pages show it at
once, marked as posted while our systems were degraded. Once the database is back,
`journal_replay_due` (a periodic job) posts each entry through the services below,
exactly once, and the followers are notified then.
"""

import datetime
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

from public_store import journal, store

from ..markdown import render_markdown
from ..models import (
    Component,
    ComponentStatus,
    Impact,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
)
from ..models.fields import new_public_id
from ..validators import validate_line
from .dates import check_post_date
from .incidents import incident_open
from .updates import BACKDATED_AFTER, update_create


def journal_post(
    *,
    status: str,
    incident_id: str | None = None,
    title: str | None = None,
    body: str = "",
    headline: str = "",
    kind: str = IncidentKind.INCIDENT,
    impact: str | None = None,
    component_changes: Mapping[str, str] | None = None,
    published_at: datetime.datetime | None = None,
    is_draft: bool = False,
    notify: bool | None = None,
    scheduled_for: datetime.datetime | None = None,
    scheduled_until: datetime.datetime | None = None,
    keep_components: bool = False,
    confirmed: bool = False,
) -> journal.Entry:
    """Write a post (a new incident with `title`, or an update to `incident_id`) to the
    journal, to be posted when the database is back. Raises ValidationError for what
    would be refused then, as far as that can be told without the database."""
    now = timezone.now()
    published_at = published_at or now
    if title is not None and not confirmed:
        # An update's incident is in the database: only an opening's date can be judged.
        check_post_date(incident=None, status=status, published_at=published_at, kind=kind)
    update = IncidentUpdate(
        status=status,
        keep_components=keep_components,
        body=body,
        headline=headline.strip(),
        impact=impact or "",
        published_at=published_at,
        is_draft=is_draft,
        notify=published_at >= now - BACKDATED_AFTER if notify is None else notify,
    )
    update.full_clean(
        exclude=["incident", "author"], validate_unique=False, validate_constraints=False
    )
    _check_components(component_changes or {})
    if title is not None:
        incident = _new_incident(
            title, kind, status, impact, published_at, scheduled_for, scheduled_until
        )
    else:
        incident = None
        if status not in IncidentStatus.values:
            raise ValidationError({"status": f"“{status}” is not a status."})
    public_id = incident.public_id if incident else incident_id
    entry = journal.Entry(
        payload={
            "incident": public_id,
            "open": incident and _incident_fields(incident),
            "update": _update_fields(update),
            "components": dict(component_changes or {}),
        },
        anchors=[f"incident:{public_id}"],
        paths=["/", Incident(public_id=public_id).get_absolute_url()],
    )
    if update.is_published:
        entry.html, entry.anchored_html = _rendered(entry, update, incident)
    journal.append(entry)
    return entry


def _new_incident(title, kind, status, impact, published_at, scheduled_for, scheduled_until):
    if impact is None:
        impact = Impact.NONE if kind == IncidentKind.MAINTENANCE else Impact.MINOR
    incident = Incident(
        public_id=new_public_id(),  # known now: its address is printed, follow-ups use it
        title=title.strip(),
        kind=kind,
        impact=impact,
        status=status,
        started_at=published_at,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
    )
    incident.full_clean(validate_unique=False, validate_constraints=False)
    return incident


def _check_components(component_changes):
    for name, status in component_changes.items():
        validate_line(name)
        if status not in ComponentStatus.values:
            allowed = ", ".join(ComponentStatus.values)
            raise ValidationError(f"“{status}” is not a component status (use one of: {allowed}).")


def _incident_fields(incident):
    return {
        "public_id": incident.public_id,
        "title": incident.title,
        "kind": incident.kind,
        "impact": incident.impact,
        "scheduled_for": incident.scheduled_for and incident.scheduled_for.isoformat(),
        "scheduled_until": incident.scheduled_until and incident.scheduled_until.isoformat(),
    }


def _update_fields(update):
    return {
        "status": update.status,
        "body": update.body,
        "headline": update.headline,
        "impact": update.impact or None,
        "published_at": update.published_at.isoformat(),
        "is_draft": update.is_draft,
        "notify": update.notify,
        "keep_components": update.keep_components,
    }


def _rendered(entry, update, incident):
    """The post as the public pages show it: on its own, and where it belongs."""
    context = {
        "entry_id": entry.id,
        "title": incident and incident.title,
        "headline": update.headline,
        "status": update.status,
        "status_label": IncidentStatus(update.status).label,
        "published_at": update.published_at,
        "body_html": render_markdown(update.body),
        "incident_url": entry.paths[1],
    }
    html = render_to_string("incidents/_journal_post.html", context)
    anchored = render_to_string("incidents/_journal_post.html", context | {"anchored": True})
    return html, anchored


def journal_replay_due() -> int:
    """Post what the journal holds, once the database is back (periodic job)."""
    journal.sync()
    try:
        if store.state().database_down:
            return 0  # the store's probe says when it is back
    except store.CACHE_ERRORS:
        pass  # the store is down too: try the database anyway
    outcomes = [journal.replay(entry, _replay) for entry in journal.pending()]
    return outcomes.count(journal.REPLAYED)  # not those a killed worker had posted


def _replay(entry) -> str:
    """Post one entry through the services; its address."""
    data = entry.payload
    post = {
        **data["update"],
        "published_at": datetime.datetime.fromisoformat(data["update"]["published_at"]),
        "component_changes": _components(data["components"]),
    }
    if data["open"]:
        fields = dict(data["open"])
        for name in ("scheduled_for", "scheduled_until"):
            fields[name] = fields[name] and datetime.datetime.fromisoformat(fields[name])
        post.pop("impact")  # the new incident's own, in `fields`
        # Confirmed when posted: refusing it now would lose a post the public has seen.
        update = incident_open(**fields, **post, confirmed=True)
    else:
        incident = Incident.objects.filter(public_id=data["incident"]).first()
        if incident is None:
            raise ValidationError(f"There is no incident {data['incident']!r}.")
        update = update_create(incident=incident, **post, confirmed=True)
    return update.incident.get_absolute_url()


def _components(names):
    changes = {}
    for name, status in names.items():
        component = Component.objects.filter(name__iexact=name.strip()).first()
        if component is None:
            raise ValidationError(f"There is no component named {name!r}.")
        changes[component] = status
    return changes
