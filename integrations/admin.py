"""The operators' side of integrations: their settings and token, the alerts awaiting
approval (one-click Publish, through incidents.services), what was received, the log."""

import contextlib
import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from staff.mixins import ReadOnly

from . import services
from .models import (
    AlertGroup,
    AlertPayload,
    AwaitingApproval,
    Integration,
    IntegrationEvent,
)

RECENT_EVENTS = 15


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "auto_publish", "hold_down", "component", "last_delivery"]
    list_filter = ["kind", "auto_publish", "is_active"]
    search_fields = ["name"]
    readonly_fields = ["token", "last_delivery", "recent_log"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "is_active", "token"]}),
        ("Publishing", {"fields": ["auto_publish", "hold_down"]}),
        ("Which component, how bad", {"fields": ["component", "component_label", "severities"]}),
        ("Wording", {"fields": ["title_template", "message_template", "resolved_template"]}),
        ("Health", {"fields": ["expected_interval", "rate_limit", "last_delivery", "recent_log"]}),
    ]

    @admin.display(description="Last delivery", ordering="last_delivery_at")
    def last_delivery(self, integration):
        when = integration.last_delivery_at
        text = f"{timezone.localtime(when):%Y-%m-%d %H:%M:%S}" if when else "never"
        if integration.silent_for():
            return format_html(
                "⚠ {} (silent longer than {} s)", text, integration.expected_interval
            )
        return text

    @admin.display(description="Token")
    def token(self, integration):
        if not integration.pk:
            return "Shown once, when the integration is saved."
        url = reverse("admin:integrations_integration_rotate", args=[integration.pk])
        return format_html(
            '{}… (shown only when made) · <a href="{}">Replace the token</a>',
            integration.token_hint,
            url,
        )

    @admin.display(description="Log")
    def recent_log(self, integration):
        events = integration.events.all()[:RECENT_EVENTS]
        items = format_html_join(
            "",
            "<li>{} · {}: {}</li>",
            ((timezone.localtime(e.at), e.level, e.message) for e in events),
        )
        log = reverse("admin:integrations_integrationevent_changelist")
        payloads = reverse("admin:integrations_alertpayload_changelist")
        query = f"?integration__id__exact={integration.pk}"
        return format_html(
            '<ul>{}</ul><p><a href="{}{}">The whole log</a> · <a href="{}{}">What it received '
            "(kept for 7 days)</a></p>",
            items or format_html("<li>{}</li>", "Nothing yet."),
            log,
            query,
            payloads,
            query,
        )

    def get_urls(self):
        return [
            path(
                "<int:integration_id>/rotate-token/",
                self.admin_site.admin_view(self.rotate_view),
                name="integrations_integration_rotate",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        for integration in Integration.objects.filter(expected_interval__isnull=False):
            if integration.silent_for():
                messages.warning(
                    request,
                    f"“{integration}” has been silent for longer than expected: check the "
                    "monitoring system that sends to it.",
                )
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            services.integration_edit(integration=obj, actor=request.user)
        else:
            request.integration_token = services.integration_create(
                integration=obj, actor=request.user
            )

    def response_add(self, request, obj, post_url_continue=None):
        return self._token_page(request, obj, request.integration_token, "is ready")

    def rotate_view(self, request, integration_id):
        integration = get_object_or_404(Integration, pk=integration_id)
        if not self.has_change_permission(request, integration):
            raise PermissionDenied
        if request.method != "POST":
            context = {**self.admin_site.each_context(request), "opts": self.opts}
            context |= {"integration": integration, "title": f"Replace the token of {integration}"}
            return TemplateResponse(request, "admin/integrations/rotate.html", context)
        token = services.integration_rotate_token(integration=integration, actor=request.user)
        return self._token_page(request, integration, token, "has a new token")

    def _token_page(self, request, integration, token, what):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"“{integration}” {what}",
            "integration": integration,
            **services.receiving_addresses(token),
        }
        return TemplateResponse(request, "admin/integrations/token.html", context)


@admin.register(AwaitingApproval)
class AwaitingApprovalAdmin(ReadOnly, admin.ModelAdmin):
    # Read here; Publish and Discard have their own views.
    """Incidents opened by alerts, waiting for a person: Publish in one click."""

    list_display = ["incident_title", "integration", "state", "firing_since", "drafts", "publish"]
    list_filter = ["integration", "state"]
    fields = ["incident_title", "integration", "state", "firing_since", "resolved_at", "drafts"]
    readonly_fields = fields
    change_form_template = "admin/integrations/awaitingapproval/change_form.html"

    def get_queryset(self, request):
        waiting = Count("posts", filter=Q(posts__update__is_draft=True))
        queryset = super().get_queryset(request).select_related("integration", "incident")
        return queryset.annotate(waiting=waiting).filter(waiting__gt=0)

    @admin.display(description="Incident")
    def incident_title(self, group):
        return group.incident.title if group.incident else str(group)

    @admin.display(description="Drafts (edit before publishing)")
    def drafts(self, group):
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:incidents_incidentupdate_change", args=[p.update_id]), p.update)
                for p in services.pending_drafts(group)
            ),
        )

    @admin.display(description="")
    def publish(self, group):
        # A button of the changelist's own form (CSRF token included), sent elsewhere.
        url = reverse("admin:integrations_awaitingapproval_publish", args=[group.pk])
        return format_html(
            '<button type="submit" class="button default" formaction="{}">Publish</button>', url
        )

    def get_urls(self):
        views = [("publish", self.publish_view), ("discard", self.discard_view)]
        return [
            *(
                path(
                    f"<int:group_id>/{name}/",
                    self.admin_site.admin_view(require_POST(view)),
                    name=f"integrations_awaitingapproval_{name}",
                )
                for name, view in views
            ),
            *super().get_urls(),
        ]

    def publish_view(self, request, group_id):
        return self._act(request, group_id, services.group_publish, "change", "Published")

    def discard_view(self, request, group_id):
        return self._act(request, group_id, services.group_discard, "delete", "Discarded")

    def _act(self, request, group_id, service, permission, done):
        if not request.user.has_perm(f"incidents.{permission}_incidentupdate"):
            raise PermissionDenied
        group = get_object_or_404(AlertGroup.objects.select_related("integration"), pk=group_id)
        try:
            count = service(group, actor=request.user)
        except ValidationError as error:
            messages.error(request, f"“{group}”: {'; '.join(error.messages)}")
        else:
            messages.success(request, f"{done} “{group}” ({count} post{'s' * (count != 1)}).")
        return redirect("admin:integrations_awaitingapproval_changelist")


@admin.register(AlertGroup)
class AlertGroupAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["__str__", "integration", "state", "incident", "firing_since", "resolved_at"]
    list_filter = ["state", "integration"]
    search_fields = ["title", "key"]
    list_select_related = ["integration", "incident"]
    fields = ["title", "integration", "key", "state", "incident", "firing_since", "resolved_at"]
    fields += ["auto_resolved", "alerts_received"]
    readonly_fields = fields

    @admin.display(description="Alerts (this time it fired)")
    def alerts_received(self, group):
        return format_html("<pre>{}</pre>", json.dumps(group.alerts, indent=2, ensure_ascii=False))


@admin.register(AlertPayload)
class AlertPayloadAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["received_at", "integration", "status_code", "size", "applied_at", "outcome"]
    list_filter = ["integration", "status_code"]
    date_hierarchy = "received_at"
    fields = ["received_at", "integration", "status_code", "applied_at", "outcome"]
    fields += ["content_type", "payload"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("integration")

    @admin.display(description="Bytes")
    def size(self, payload):
        return len(payload.body)

    @admin.display(description="Body")
    def payload(self, payload):
        text = bytes(payload.body).decode("utf-8", "replace")
        with contextlib.suppress(ValueError, RecursionError):  # not JSON: as received
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        return format_html("<pre>{}</pre>", text)


@admin.register(IntegrationEvent)
class IntegrationEventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "integration", "level", "message", "group"]
    list_filter = ["integration", "level"]
    search_fields = ["message"]
    date_hierarchy = "at"
    list_select_related = ["integration", "group"]
