"""Followers and their mail in the admin: who follows, and what was sent to whom."""

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from staff.mixins import DeletesThroughServices

from . import services
from .importing import FollowerFileError, import_followers
from .models import Delivery, DeliveryState, Notification, Subscriber
from .spreadsheets import safe_cell


class ConfirmedFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("confirmed", "Confirmed"), ("pending", "Pending confirmation")]

    def queryset(self, request, queryset):
        if self.value() == "confirmed":
            return queryset.confirmed()
        if self.value() == "pending":
            return queryset.pending()
        return queryset


class SuppressedFilter(admin.SimpleListFilter):
    title = "sending"
    parameter_name = "sending"

    def lookups(self, request, model_admin):
        return [("suppressed", "Suppressed (bounced, complained, failing)"), ("active", "Active")]

    def queryset(self, request, queryset):
        if self.value() == "suppressed":
            return queryset.filter(suppressed_at__isnull=False)
        if self.value() == "active":
            return queryset.filter(suppressed_at__isnull=True)
        return queryset


class AddFollowerForm(forms.ModelForm):
    """The company's own channels (and addresses), active at once."""

    class Meta:
        model = Subscriber
        fields = ["kind", "url", "email", "components", "groups"]
        help_texts = {
            "url": "For every kind but email: the webhook or chat URL.",
            "email": "For email: the address. For a URL: its contact (told if it keeps failing).",
        }

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        target = data.get("email") if kind == "email" else data.get("url")
        try:
            services.follower_key(kind=kind or "", target=target or "")
        except ValidationError as error:
            self.add_error("email" if kind == "email" else "url", error)
        return data

    def validate_unique(self):
        pass  # the service says "already follows"


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with a header row: email, and optionally components.")
    dry_run = forms.BooleanField(required=False, label="Only count, import nothing")


class _Echo:
    def write(self, value):
        return value


@admin.register(Subscriber)
class SubscriberAdmin(DeletesThroughServices, admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "is_confirmed",
        "created_at",
        "scope",
        "imported",
        "suppressed_reason",
    ]
    list_filter = [ConfirmedFilter, SuppressedFilter, "kind", "imported", "all_components"]
    search_fields = ["email", "url", "suppressed_reason"]
    date_hierarchy = "created_at"
    fields = [
        "kind",
        "email",
        "url",
        "created_at",
        "confirmed_at",
        "imported",
        "secret",
        "previous_secret_until",
        "failing_since",
        "suppressed_at",
        "suppressed_reason",
        "soft_bounces",
        "components",
        "groups",
    ]
    readonly_fields = [f for f in fields if f not in ("components", "groups")]
    filter_horizontal = ["components", "groups"]
    actions = ["export_csv", "rotate_secret", "reactivate"]
    change_list_template = "admin/subscribers/subscriber/change_list.html"

    @admin.display(boolean=True, description="Confirmed")
    def is_confirmed(self, subscriber):
        return subscriber.is_confirmed

    @admin.display(description="Follows")
    def scope(self, subscriber):
        return "everything" if subscriber.all_components else "some components"

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = AddFollowerForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return AddFollowerForm.Meta.fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    @admin.action(description="Rotate the signing secret (the old one still signs for 24 h)")
    def rotate_secret(self, request, queryset):
        hooks = queryset.filter(kind="webhook")
        for subscriber in hooks:
            services.subscriber_rotate_secret(subscriber=subscriber)
        messages.success(request, f"New signing secrets for {hooks.count()} webhook(s).")

    @admin.action(description="Send to the selected suppressed followers again")
    def reactivate(self, request, queryset):
        suppressed = queryset.filter(suppressed_at__isnull=False)
        count = suppressed.count()
        for subscriber in suppressed:
            services.subscriber_reactivate(subscriber=subscriber)
        messages.success(request, f"{count} follower(s) will be sent to again.")

    def save_model(self, request, obj, form, change):
        if not change:
            data = form.cleaned_data
            added = services.subscriber_add(
                kind=data["kind"],
                target=data["email"] if data["kind"] == "email" else data["url"],
                email=data["email"] if data["kind"] != "email" else "",
                components=data["components"],
                groups=data["groups"],
            )
            obj.pk, obj.secret = added.pk, added.secret
            return
        services.subscriber_set_scope(
            subscriber=obj,
            components=form.cleaned_data["components"],
            groups=form.cleaned_data["groups"],
        )

    def save_related(self, request, form, formsets, change):
        pass  # the scope was saved by the service

    def delete_model(self, request, obj):
        services.subscriber_unsubscribe(subscriber=obj)

    @admin.action(description="Export selected followers as CSV")
    def export_csv(self, request, queryset):
        return self._csv(queryset)

    def get_urls(self):
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_all_view),
                name="subscribers_export",
            ),
            path(
                "import/", self.admin_site.admin_view(self.import_view), name="subscribers_import"
            ),
            *super().get_urls(),
        ]

    def export_all_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._csv(self.get_queryset(request))

    def _csv(self, queryset):
        writer = csv.writer(_Echo())
        rows = (
            [
                safe_cell(cell)
                for cell in (
                    s.email,
                    "confirmed" if s.is_confirmed else "pending",
                    s.created_at.isoformat(),
                    ";".join(c.name for c in s.components.all()),
                    s.kind,
                    s.email if s.is_email else s.url,
                )
            ]
            for s in queryset.prefetch_related("components").iterator(chunk_size=2000)
        )
        header = [["email", "state", "created_at", "components", "kind", "target"]]
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        return StreamingHttpResponse(
            _lines(writer, header, rows),
            content_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="followers-{stamp}.csv"'},
        )

    def import_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8-sig")
                report = import_followers(text, dry_run=form.cleaned_data["dry_run"])
            except (UnicodeDecodeError, FollowerFileError) as error:
                form.add_error(
                    "file",
                    str(error)
                    if isinstance(error, FollowerFileError)
                    else "The file is not UTF-8 text.",
                )
            else:
                messages.success(request, report.summary(dry_run=form.cleaned_data["dry_run"]))
                for problem in report.problems[:20]:
                    messages.warning(request, problem)
                return redirect("admin:subscribers_subscriber_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": "Import followers",
        }
        return TemplateResponse(request, "admin/subscribers/subscriber/import.html", context)


def _lines(writer, header, rows):
    yield from (writer.writerow(row) for row in header)
    yield from (writer.writerow(row) for row in rows)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Per post: how many mails were sent, are pending, failed."""

    list_display = [
        "__str__",
        "kind",
        "created_at",
        "fanned_out_at",
        "sent",
        "pending",
        "failed",
        "by_channel",
    ]
    list_filter = ["kind"]
    list_select_related = ["update__incident", "component_change__component", "incident"]
    date_hierarchy = "created_at"
    search_fields = ["update__headline", "update__incident__title", "incident__title"]

    def get_queryset(self, request):
        counts = {
            state: Count("deliveries", filter=Q(deliveries__state__in=states))
            for state, states in {
                "sent_count": [DeliveryState.SENT],
                "pending_count": [DeliveryState.PENDING, DeliveryState.SENDING],
                "failed_count": [DeliveryState.FAILED],
            }.items()
        }
        return super().get_queryset(request).annotate(**counts)

    @admin.display(ordering="sent_count")
    def sent(self, notification):
        return notification.sent_count

    @admin.display(ordering="pending_count")
    def pending(self, notification):
        return notification.pending_count

    @admin.display(ordering="failed_count")
    def failed(self, notification):
        if not notification.failed_count:
            return 0
        url = reverse("admin:subscribers_delivery_changelist")
        query = f"?notification__id__exact={notification.pk}&state__exact=failed"
        return format_html('<a href="{}{}">{}</a>', url, query, notification.failed_count)

    @admin.display(description="Sent / all, by kind of follower")
    def by_channel(self, notification):
        rows = (
            notification.deliveries.values("subscriber__kind")
            .annotate(total=Count("id"), sent=Count("id", filter=Q(state=DeliveryState.SENT)))
            .order_by("subscriber__kind")
        )
        return ", ".join(f"{r['subscriber__kind']} {r['sent']}/{r['total']}" for r in rows) or "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "subscriber",
        "kind",
        "channel",
        "state",
        "attempts",
        "last_attempt_at",
        "sent_at",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["state", "kind", "channel", "subscriber__kind"]
    search_fields = ["subscriber__email", "subscriber__url", "last_error"]
    list_select_related = ["subscriber"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
