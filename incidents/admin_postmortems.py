"""The postmortem in an incident's admin page: a "Postmortem" fieldset (Markdown, a
"Publish postmortem" box, "Notify followers"), saved through incidents.services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import formats

from . import services
from .models import Incident
from .validators import validate_text


class IncidentPostmortemForm(forms.ModelForm):
    # Not a model field of this form: postmortem_save writes it (and its HTML).
    postmortem_body = forms.CharField(
        label="Postmortem text",
        required=False,
        strip=False,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Markdown: what happened, why, and what changes. A draft until published.",
    )
    postmortem_publish = forms.BooleanField(
        label="Publish postmortem",
        required=False,
        help_text="Shown on the incident's page and in the API; untick to make it a draft again.",
    )
    postmortem_notify = forms.BooleanField(
        label="Notify followers",
        required=False,
        help_text="Mail the postmortem to the incident's followers when it is published (once).",
    )

    class Meta:
        model = Incident
        # The admin lists the form's fields from its fieldsets; only `exclude` keeps the
        # form from writing the body onto the incident without its HTML.
        exclude = ["postmortem_body"]  # noqa: DJ006

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        incident = self.instance
        self.fields["postmortem_body"].initial = incident.postmortem_body
        self.fields["postmortem_publish"].initial = incident.postmortem_published_at is not None
        if incident.postmortem_notified_at:
            notify = self.fields["postmortem_notify"]
            notify.initial, notify.disabled = True, True
            notify.help_text = "Followers were mailed the postmortem; it is mailed only once."

    def clean(self):
        data = super().clean()
        if self.instance.pk is None or self.instance.is_maintenance:
            return data
        if data.get("postmortem_publish"):
            if not (data.get("postmortem_body") or "").strip():
                self.add_error("postmortem_body", "Write the postmortem before publishing it.")
            elif not Incident.objects.public().filter(pk=self.instance.pk).exists():
                self.add_error(
                    "postmortem_publish",
                    "The incident is not public yet: publish one of its posts first.",
                )
        return data


class PostmortemAdminMixin:
    """For IncidentAdmin: the fieldset, and `save_postmortem` for its save_model."""

    form = IncidentPostmortemForm
    POSTMORTEM_FIELDS = [
        "postmortem_state",
        "postmortem_body",
        "postmortem_publish",
        "postmortem_notify",
    ]
    actions = ["publish_postmortems"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or obj.is_maintenance:
            return fieldsets
        postmortem = {"fields": self.POSTMORTEM_FIELDS, "classes": ["postmortem"]}
        return [*fieldsets, ("Postmortem", postmortem)]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "postmortem_state"]

    @admin.display(description="State")
    def postmortem_state(self, incident):
        if not incident.postmortem_body.strip():
            return "None written"
        if incident.postmortem_published_at is None:
            return "Draft: not public"
        state = f"Published {formats.localize(incident.postmortem_published_at)}"
        if incident.postmortem_notified_at:
            state += "; followers mailed"
        return state

    def save_postmortem(self, request, incident, form):
        """Unpublish, write, publish: in that order, so that each step is valid."""
        if incident.is_maintenance:
            return
        data, changed = form.cleaned_data, form.changed_data
        published = incident.postmortem_published_at is not None
        if published and not data["postmortem_publish"]:
            services.postmortem_unpublish(incident=incident, actor=request.user)
            messages.info(request, "The postmortem is a draft again: it is no longer public.")
        if "postmortem_body" in changed:
            services.postmortem_save(
                incident=incident, body=data["postmortem_body"], actor=request.user
            )
        notify = data["postmortem_notify"] and not incident.postmortem_notified_at
        if data["postmortem_publish"] and (not published or notify):
            services.postmortem_publish(incident=incident, actor=request.user, notify=notify)
            mailed = " Its followers will be mailed." if notify else ""
            messages.success(request, f"The postmortem is published.{mailed}")
        elif "postmortem_body" in changed and not data["postmortem_publish"]:
            messages.info(
                request, "The postmortem is saved as a draft: not public until published."
            )

    @admin.action(description="Publish the postmortems (without mail)", permissions=["change"])
    def publish_postmortems(self, request, queryset):
        for incident in queryset:
            try:
                services.postmortem_publish(incident=incident, actor=request.user)
            except ValidationError as error:
                messages.error(request, f"“{incident}”: {' '.join(error.messages)}")
            else:
                messages.success(request, f"“{incident}”: the postmortem is published.")
