"""Opening an incident and scheduling a maintenance: two forms, two admin pages.

An incident never shows a maintenance's statuses or window, and a template picked
above the form fills it in (server side: a GET form, so it works without JavaScript).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path

from . import posting_admin, services
from .forms import IncidentOpenForm, MaintenanceScheduleForm, TemplatePickForm
from .models import IncidentKind

OPENING = {
    IncidentKind.INCIDENT: (IncidentOpenForm, "Open an incident", "Open incident", "Opened"),
    IncidentKind.MAINTENANCE: (
        MaintenanceScheduleForm,
        "Schedule a maintenance",
        "Schedule maintenance",
        "Scheduled",
    ),
}


class OpensIncidents:
    """For IncidentAdmin: "Add" opens an incident; add-maintenance/ schedules one."""

    def opening_urls(self):
        return [
            path(
                "add-maintenance/",
                self.admin_site.admin_view(self.add_maintenance_view),
                name="incidents_incident_add_maintenance",
            )
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return self._opening_view(request, IncidentKind.INCIDENT)

    def add_maintenance_view(self, request):
        return self._opening_view(request, IncidentKind.MAINTENANCE)

    def _opening_view(self, request, kind):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form_class, title, submit_label, done = OPENING[kind]
        picker = TemplatePickForm(request.GET or None, kind=kind)
        template = picker.chosen() if request.method == "GET" else None
        initial = form_class.initial_from(template) if template else None
        form = form_class(request.POST or None, initial=initial)
        confirm = None
        if request.method == "POST" and form.is_valid() and "_preview" not in request.POST:
            try:
                update = services.incident_open(author=request.user, **form.service_arguments())
            except ValidationError as error:
                # A date that rewrites the past: the form comes back asking to confirm it.
                confirm = posting_admin.confirmation(error, form)
                for message in [] if confirm else error.messages:
                    form.add_error(None, message)
            else:
                what = f"“{update.incident}”"
                messages.success(request, posting_admin.posted_message(update, what, done=done))
                return redirect("admin:incidents_incident_changelist")
        return self._post_form(
            request,
            form,
            title=title,
            submit_label=submit_label,
            template_picker=picker if picker.fields["template"].queryset.exists() else None,
            confirm=confirm,
        )
