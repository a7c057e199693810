"""Operator forms: open an incident, post an update. Both feed incidents.services."""

from django import forms
from django.utils import timezone

from . import services
from .models import (
    INCIDENT_IMPACTS,
    STATUSES_BY_KIND,
    Component,
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentTemplate,
)

NOTIFY_CHOICES = [
    ("auto", "Yes, unless the post is backdated"),
    ("yes", "Yes"),
    ("no", "No"),
]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "isoformat"):
            return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
        return value


class AdminLook:
    """A plain form that looks like the admin's own: its widths, bold required labels."""

    required_css_class = "required"
    widget_classes = {forms.TextInput: "vTextField", forms.Textarea: "vLargeTextField"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if css_class := self.widget_classes.get(type(field.widget)):
                field.widget.attrs.setdefault("class", css_class)


class UpdateForm(AdminLook, forms.Form):
    """A post: status, message, and how each component is affected."""

    status = forms.ChoiceField()
    headline = forms.CharField(
        max_length=200,
        required=False,
        help_text="Optional title of this post, e.g. “Outage complete”.",
    )
    body = forms.CharField(
        label="Message",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown: **bold**, [links](https://…), lists. Raw HTML is not allowed.",
    )
    published_at = forms.DateTimeField(
        label="Published at",
        required=False,
        widget=DateTimeLocalInput(),
        help_text="Leave empty for now. A past time backfills history; "
        "a future time schedules the post.",
    )
    is_draft = forms.BooleanField(label="Save as draft", required=False)
    notify = forms.ChoiceField(label="Notify followers", choices=NOTIFY_CHOICES, initial="auto")
    keep_components = forms.BooleanField(
        label="Keep components as they are",
        required=False,
        help_text="Resolving or completing: by default the components this incident changed "
        "go back to operational (or to what another open incident holds).",
    )
    # Shown (as a checkbox) only when the services ask to confirm the post's date.
    confirm_date = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, kind=IncidentKind.INCIDENT, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["status"].choices = [(s.value, s.label) for s in STATUSES_BY_KIND[kind]]
        self.components = list(Component.objects.select_related("group"))
        for component in self.components:
            self.fields[self.component_field_name(component)] = forms.ChoiceField(
                label=str(component),
                required=False,
                choices=[
                    ("", f"No change ({component.get_status_display().lower()})"),
                    *ComponentStatus.choices,
                ],
            )

    @staticmethod
    def component_field_name(component):
        return f"component_{component.pk}"

    def component_fields(self):
        return [self[self.component_field_name(c)] for c in self.components]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("body", "").strip() and not cleaned.get("headline", "").strip():
            raise forms.ValidationError("Write a message or a headline.")
        return cleaned

    def component_changes(self):
        return {
            component: self.cleaned_data[self.component_field_name(component)]
            for component in self.components
            if self.cleaned_data.get(self.component_field_name(component))
        }

    def service_arguments(self):
        data = self.cleaned_data
        return {
            "status": data["status"],
            "headline": data["headline"],
            "body": data["body"],
            "published_at": data["published_at"],
            "is_draft": data["is_draft"],
            "notify": {"auto": None, "yes": True, "no": False}[data["notify"]],
            "component_changes": self.component_changes(),
            "keep_components": data.get("keep_components", False),
            "confirmed": data["confirm_date"],
        }

    def with_restores(self, restores):
        """The form again, each component a resolution brings back pre-selected (the
        ones the operator set are kept): what posting it will do, shown beforehand."""
        data = self.data.copy()
        for component, status in restores.items():
            name = self.component_field_name(component)
            if not data.get(name):
                data[name] = status
        return type(self)(data, kind=self.kind)


class IncidentOpenForm(UpdateForm):
    """Opening an incident is one form: the incident and its first post. Only an
    incident's statuses and impacts; a maintenance has its own form (below)."""

    kind = IncidentKind.INCIDENT
    impacts = INCIDENT_IMPACTS
    default_impact = Impact.MINOR

    title = forms.CharField(max_length=200)
    impact = forms.ChoiceField()

    field_order = ["title", "impact", "status", "headline", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, kind=self.kind, **kwargs)
        del self.fields["keep_components"]  # a first post changes only what it names
        self.fields["impact"].choices = [(i.value, i.label) for i in self.impacts]
        self.fields["impact"].initial = self.default_impact

    @classmethod
    def initial_from(cls, template: IncidentTemplate) -> dict:
        """What a template fills in: the form's initial values."""
        return {
            "title": template.title,
            "impact": template.impact,
            "status": template.status,
            "headline": template.headline,
            "body": template.body,
        } | {
            cls.component_field_name(component): status
            for component, status in template.component_changes().items()
        }

    def service_arguments(self):
        data = self.cleaned_data
        return super().service_arguments() | {
            "title": data["title"],
            "kind": self.kind,
            "impact": data["impact"],
        }


class MaintenanceScheduleForm(IncidentOpenForm):
    """Scheduling a maintenance: its statuses, its window, and whether it runs itself."""

    kind = IncidentKind.MAINTENANCE
    impacts = [Impact.MAINTENANCE, *INCIDENT_IMPACTS]
    default_impact = Impact.MAINTENANCE

    scheduled_for = forms.DateTimeField(label="Starts at", widget=DateTimeLocalInput())
    scheduled_until = forms.DateTimeField(label="Ends at", widget=DateTimeLocalInput())
    auto_transition = forms.BooleanField(
        label="Start and complete automatically",
        required=False,
        help_text="Go in progress at the start and complete at the end, "
        "setting the affected components to under maintenance and back.",
    )

    field_order = [
        "title",
        "scheduled_for",
        "scheduled_until",
        "auto_transition",
        "impact",
        "status",
        "headline",
        "body",
    ]

    def service_arguments(self):
        data = self.cleaned_data
        return super().service_arguments() | {
            "scheduled_for": data["scheduled_for"],
            "scheduled_until": data["scheduled_until"],
            "auto_transition": data["auto_transition"],
        }


class TemplatePickForm(AdminLook, forms.Form):
    """Which template fills in the opening form: a GET form of its own, so that it works
    without JavaScript and Enter in the opening form never picks a template."""

    template = forms.ModelChoiceField(
        queryset=IncidentTemplate.objects.none(),
        required=False,
        empty_label="(none)",
        help_text="Fills in the form below; change what you like before posting.",
    )

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = IncidentTemplate.objects.filter(kind=kind)

    def chosen(self) -> IncidentTemplate | None:
        return self.cleaned_data["template"] if self.is_valid() else None


class UpdateChangeForm(forms.ModelForm):
    """A post's admin change page, with the component changes it made (add, change,
    remove): one field per component, built by for_components()."""

    PREFIX = "component_"
    confirm_date = forms.BooleanField(
        label="Yes, date it so",
        required=False,
        help_text="Needed only for a date before the incident started, or one that leaves "
        "it open since more than 7 days ago.",
    )

    @classmethod
    def for_components(cls, components):
        fields = {
            cls.field_name(component): forms.ChoiceField(
                label=str(component),
                required=False,
                choices=[("", "No change by this post"), *ComponentStatus.choices],
            )
            for component in components
        }
        return type("UpdateChangeForm", (cls,), fields | {"components": list(components)})

    @classmethod
    def field_name(cls, component):
        return f"{cls.PREFIX}{component.pk}"

    @classmethod
    def is_component_field(cls, name):
        return name.startswith(cls.PREFIX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for change in self.instance.component_changes.all():
                self.initial[f"{self.PREFIX}{change.component_id}"] = change.new_status

    def clean(self):
        """A new date that rewrites the past is saved only once confirmed (the services'
        rule, asked here so that the page comes back with it)."""
        cleaned = super().clean()
        published_at = cleaned.get("published_at")
        if "published_at" in self.changed_data and published_at and not cleaned["confirm_date"]:
            try:
                services.check_post_date(
                    incident=self.instance.incident,
                    status=cleaned.get("status") or self.instance.status,
                    published_at=published_at,
                    update=self.instance,
                )
            except forms.ValidationError as error:
                self.add_error("published_at", f"{error.message} Tick “Yes, date it so”.")
        return cleaned

    def component_changes(self):
        return {
            component: self.cleaned_data[self.field_name(component)]
            for component in self.components
            if self.cleaned_data.get(self.field_name(component))
        }
