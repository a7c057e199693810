"""The operators' side: every save and delete here calls incidents.services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from staff.mixins import DeletesThroughServices, ReadOnly

from . import admin_templates, audit, posting_admin, services
from .admin_opening import OpensIncidents
from .admin_postmortems import PostmortemAdminMixin
from .forms import UpdateChangeForm, UpdateForm
from .markdown import render_markdown, safe_html
from .models import AuditEntry, Component, ComponentGroup, Impact, Incident, IncidentUpdate
from .services.dates import when

__all__ = ["admin_templates"]  # registers IncidentTemplateAdmin


# Shown on a maintenance's change page only.
MAINTENANCE_FIELDS = {"scheduled_for", "scheduled_until", "auto_transition"}


def _short_time(moment):
    # "2026-12-01 15:25": a column as narrow as a date and time can be, in local time.
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "–"


def _add_errors(form, error: ValidationError):
    for message in error.messages:
        form.add_error(None, message)


class UpdateInline(admin.TabularInline):
    model = IncidentUpdate
    template = "admin/incidents/incident/updates_inline.html"
    fields = ["post", "status", "published_at", "is_draft"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-published_at"]

    @admin.display(description="Post")
    def post(self, update):
        return update.title

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(PostmortemAdminMixin, OpensIncidents, DeletesThroughServices, admin.ModelAdmin):
    # "Post update" first, so that it is on screen at 1280 px however long the title;
    # status and impact share a column, the start is in the date bar above the list.
    list_display = ["post_update_link", "title", "state", "last_update", "visibility"]
    list_display_links = ["title"]
    list_filter = ["status", "kind", "impact", "components"]
    search_fields = ["title", "public_id", "updates__headline", "updates__body"]
    date_hierarchy = "started_at"
    ordering = ["-started_at"]
    fields = [
        "title",
        "kind",
        "status",
        "impact",
        "components",
        "started_at",
        "resolved_at",
        "scheduled_for",
        "scheduled_until",
        "auto_transition",
        "public_link",
    ]
    readonly_fields = ["kind", "status", "components", "started_at", "resolved_at", "public_link"]
    inlines = [UpdateInline]

    def get_queryset(self, request):
        incidents = super().get_queryset(request).with_visibility()
        return incidents.annotate(last_update_at=Max("updates__published_at"))

    @admin.display(description="Visibility")
    def visibility(self, incident):
        """Draft, Scheduled (when) or Public, from with_visibility()'s annotations."""
        if incident.is_public:
            return "Public"
        if incident.scheduled_at:
            return format_html("Scheduled<br><small>{}</small>", when(incident.scheduled_at))
        return "Draft"

    @admin.display(description="Status and impact", ordering="status")
    def state(self, incident):
        status = incident.get_status_display()
        if incident.is_maintenance:
            status = f"Maintenance {status.lower()}"
        if incident.impact == Impact.MAINTENANCE:
            return status
        return f"{status}, {incident.get_impact_display().lower()} impact"

    @admin.display(description="Last update", ordering="last_update_at")
    def last_update(self, incident):
        return _short_time(incident.last_update_at)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None or obj.is_maintenance:
            return fields
        return [name for name in fields if name not in MAINTENANCE_FIELDS]

    @admin.display(description="Actions")
    def post_update_link(self, incident):
        url = reverse("admin:incidents_incident_post_update", args=[incident.pk])
        return format_html('<a class="button" href="{}">Post update</a>', url)

    @admin.display(description="Public page")
    def public_link(self, incident):
        return format_html('<a href="{0}">{0}</a>', incident.get_absolute_url())

    def get_urls(self):
        return [
            path(
                "<int:incident_id>/post-update/",
                self.admin_site.admin_view(self.post_update_view),
                name="incidents_incident_post_update",
            ),
            *self.opening_urls(),
            *super().get_urls(),
        ]

    def post_update_view(self, request, incident_id):
        incident = get_object_or_404(Incident, pk=incident_id)
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        form = UpdateForm(
            request.POST or None,
            kind=incident.kind,
            initial=self._update_initial(request, incident),
        )
        confirm = None
        if request.method == "POST" and form.is_valid() and "_preview" not in request.POST:
            try:
                update = services.update_create(
                    incident=incident, author=request.user, **form.service_arguments()
                )
            except ValidationError as error:
                confirm = posting_admin.confirmation(error, form) or _add_errors(form, error)
            else:
                what = f"an update to “{incident}”"
                messages.success(request, posting_admin.posted_message(update, what))
                return redirect("admin:incidents_incident_changelist")
        elif "_preview" in request.POST and form.is_valid():
            data = form.cleaned_data
            if services.restores_components(data["status"]) and not data["keep_components"]:
                form = form.with_restores(services.component_restores(incident=incident))
        return self._post_form(
            request,
            form,
            title=f"Post an update: {incident}",
            incident=incident,
            confirm=confirm,
        )

    def _update_initial(self, request, incident):
        """The latest status, or the one asked for (?status=resolved: "Resolve"), with
        the components a resolution brings back pre-selected."""
        latest = incident.updates.first()
        status = request.GET.get("status")
        if status not in incident.status_choices():
            return {"status": latest.status if latest else None}
        initial = {"status": status}
        if services.restores_components(status):
            initial |= posting_admin.restore_initial(UpdateForm, incident)
        return initial

    def _post_form(self, request, form, *, title, incident=None, **extra):
        preview = None
        if request.method == "POST" and "_preview" in request.POST and form.is_valid():
            preview = safe_html(render_markdown(form.cleaned_data["body"]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "incident": incident,
            "preview": preview,
            "updates": incident.updates.all()[:5] if incident else [],
            "planned_changes": posting_admin.planned_changes(form, incident),
            "resolving_status": incident and posting_admin.resolving_status(incident),
            "confirm": None,
            **extra,
        }
        return TemplateResponse(request, "admin/incidents/post_form.html", context)

    def save_model(self, request, obj, form, change):
        services.incident_edit(
            incident=obj,
            actor=request.user,
            **{
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name != "components" and not name.startswith("postmortem_")
            },
        )
        self.save_postmortem(request, obj, form)

    def delete_model(self, request, obj):
        services.incident_delete(incident=obj, actor=request.user)


@admin.register(IncidentUpdate)
class IncidentUpdateAdmin(DeletesThroughServices, admin.ModelAdmin):
    list_display = ["title", "incident", "status", "published_at", "is_draft", "author"]
    list_filter = ["status", "is_draft", "incident__kind"]
    list_select_related = ["incident", "author"]
    search_fields = ["headline", "body", "incident__title"]
    date_hierarchy = "published_at"
    fields = [
        "incident",
        "status",
        "headline",
        "body",
        "rendered",
        "impact",
        "published_at",
        "is_draft",
        "notify",
        "keep_components",
        "component_changes_made",
        "author",
        "went_live_at",
    ]
    readonly_fields = ["incident", "rendered", "component_changes_made", "author", "went_live_at"]

    @admin.display(description="Rendered message")
    def rendered(self, update):
        return safe_html(update.body_html)

    @admin.display(description="Component changes")
    def component_changes_made(self, update):
        changes = update.component_changes.select_related("component")
        return (
            ", ".join(f"{c.component}: {c.old_status} → {c.new_status}" for c in changes) or "None"
        )

    def has_add_permission(self, request):
        return False  # posts are written from their incident ("Post update")

    def get_fieldsets(self, request, obj=None):
        names = [UpdateChangeForm.field_name(c) for c in self._components()]
        description = (
            "The status this post sets each component to. On a published post, a change "
            "moves the component's current status only if no later post or edit has "
            "changed it since; the uptime history follows."
        )
        fields = list(self.get_fields(request, obj))
        if "published_at" in fields:
            fields.insert(fields.index("published_at") + 1, "confirm_date")
        return [
            (None, {"fields": fields}),
            ("Component changes", {"fields": names, "description": description}),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = UpdateChangeForm.for_components(self._components())
        return super().get_form(request, obj, change, **kwargs)

    def _components(self):
        return list(Component.objects.select_related("group"))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.went_live_at:
            # A published post cannot be unpublished; its impact has been applied.
            return [*self.readonly_fields, "is_draft", "impact", "keep_components"]
        return self.readonly_fields

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        update = self.get_object(request, request.resolver_match.kwargs.get("object_id"))
        if db_field.name == "status" and update is not None:
            kwargs["choices"] = [(s.value, s.label) for s in update.incident.status_choices()]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if not UpdateChangeForm.is_component_field(name) and name != "confirm_date"
        }
        fields["confirmed"] = True  # the form asked (UpdateChangeForm.clean)
        if any(UpdateChangeForm.is_component_field(name) for name in form.changed_data):
            fields["component_changes"] = form.component_changes()
        services.update_edit(update=obj, actor=request.user, **fields)

    def delete_model(self, request, obj):
        services.update_delete(update=obj, actor=request.user)


@admin.register(Component)
class ComponentAdmin(DeletesThroughServices, admin.ModelAdmin):
    list_display = ["name", "group", "status", "position", "is_hidden"]
    list_editable = ["status", "position"]
    list_filter = ["status", "group", "is_hidden"]
    search_fields = ["name", "description"]
    fields = [
        "name",
        "description",
        "group",
        "position",
        "status",
        "is_hidden",
        "only_show_if_degraded",
        "showcase",
        "start_date",
    ]

    def save_model(self, request, obj, form, change):
        services.component_save(component=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.component_delete(component=obj, actor=request.user)


@admin.register(ComponentGroup)
class ComponentGroupAdmin(DeletesThroughServices, admin.ModelAdmin):
    list_display = ["name", "position"]
    list_editable = ["position"]
    fields = ["name", "description", "position"]

    def save_model(self, request, obj, form, change):
        services.group_save(group=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.group_delete(group=obj, actor=request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly, admin.ModelAdmin):
    """Read-only for everyone, superusers included: the trail is written by the services."""

    list_display = ["at", "by", "action", "object_type", "object_label", "short_summary"]
    list_filter = [
        ("actor", admin.RelatedOnlyFieldListFilter),
        "action",
        "object_type",
        "at",
    ]
    search_fields = ["object_label", "object_id", "actor_name"]
    date_hierarchy = "at"
    fields = ["at", "by", "action", "object_type", "object_id", "object_label", "summary"]
    readonly_fields = fields
    list_select_related = ["actor"]

    @admin.display(description="By", ordering="actor_name")
    def by(self, entry):
        return entry.actor_name or "(the system: worker, command or import)"

    @admin.display(description="What changed")
    def short_summary(self, entry):
        return audit.describe(entry, limit=60)

    @admin.display(description="What changed")
    def summary(self, entry):
        return audit.describe(entry)
