"""What the admin's post forms tell the operator before and after posting: the component
changes a post will make (a resolution's restores included), a date to confirm, and
whether the post is public yet. Read from incidents.services, which decide."""

from django.core.exceptions import ValidationError

from . import services
from .models import ComponentStatus, Incident, IncidentStatus, IncidentUpdate
from .services.dates import when


def planned_changes(form, incident: Incident | None) -> list[dict]:
    """[{component, old, new}]: what posting the form (as filled in) changes now."""
    if form.is_bound:
        if not form.is_valid():
            return []
        explicit = form.component_changes()
        status, keep = form.cleaned_data["status"], form.cleaned_data.get("keep_components", False)
    else:
        explicit = {
            component: form.initial[form.component_field_name(component)]
            for component in form.components
            if form.initial.get(form.component_field_name(component))
        }
        status, keep = form.initial.get("status"), False
    changes = dict(explicit)
    if incident is not None and services.restores_components(status) and not keep:
        changes |= services.component_restores(incident=incident, exclude=explicit)
    return [
        {"component": c, "old": c.get_status_display(), "new": ComponentStatus(new).label}
        for c, new in changes.items()
        if c.status != new
    ]


def restore_initial(form_class, incident: Incident) -> dict[str, str]:
    """Initial values of a resolution's component fields: what the default brings back."""
    restores = services.component_restores(incident=incident)
    return {form_class.component_field_name(c): status for c, status in restores.items()}


def resolving_status(incident: Incident) -> str | None:
    """The status that resolves this incident ("Resolve" shortcut), if it is open."""
    if not incident.is_open:
        return None
    return IncidentStatus.COMPLETED if incident.is_maintenance else IncidentStatus.RESOLVED


def confirmation(error: ValidationError, form) -> dict | None:
    """The confirm step's context if the services asked to confirm the post's date."""
    if not services.needs_confirmation(error):
        return None
    published_at = form.cleaned_data.get("published_at")
    return {"message": error.message, "when": when(published_at) if published_at else ""}


def posted_message(update: IncidentUpdate, what: str, *, done: str = "Posted") -> str:
    """What the admin says once saved: "Posted …" (or `done`: "Opened …"), or what
    keeps the post from the public for now."""
    if update.is_draft:
        return f"Saved {what} as a draft, not public."
    if not update.is_published:
        return f"Scheduled {what} for {when(update.published_at)}, not public until then."
    return f"{done} {what}."
