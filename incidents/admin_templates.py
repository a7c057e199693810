"""Incident templates in the admin: saved and deleted through incidents.services."""

from django import forms
from django.contrib import admin

from staff.mixins import DeletesThroughServices

from . import services
from .forms import UpdateForm
from .models import STATUSES_BY_KIND, Component, ComponentStatus, IncidentTemplate


class IncidentTemplateForm(forms.ModelForm):
    """The template's own fields, and one "sets status" choice per component."""

    class Meta:
        model = IncidentTemplate
        fields = ["name", "kind", "title", "status", "impact", "headline", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (kind.label, [(s.value, s.label) for s in statuses])
            for kind, statuses in STATUSES_BY_KIND.items()
        ]
        current = self.instance.component_changes() if self.instance.pk else {}
        self.components = list(Component.objects.select_related("group"))
        for component in self.components:
            self.fields[UpdateForm.component_field_name(component)] = forms.ChoiceField(
                label=str(component),
                required=False,
                choices=[("", "Leave as it is"), *ComponentStatus.choices],
                initial=current.get(component, ""),
            )

    def component_statuses(self):
        return {
            component: self.cleaned_data[name]
            for component in self.components
            if self.cleaned_data.get(name := UpdateForm.component_field_name(component))
        }


@admin.register(IncidentTemplate)
class IncidentTemplateAdmin(DeletesThroughServices, admin.ModelAdmin):
    form = IncidentTemplateForm
    list_display = ["name", "kind", "title", "status", "impact"]
    list_filter = ["kind"]
    search_fields = ["name", "title", "body"]

    def get_form(self, request, obj=None, **kwargs):
        # The component fields are the form's own, not the model's.
        return super().get_form(
            request, obj, **kwargs | {"fields": IncidentTemplateForm.Meta.fields}
        )

    def get_fieldsets(self, request, obj=None):
        components = Component.objects.select_related("group")
        return [
            (None, {"fields": IncidentTemplateForm.Meta.fields}),
            (
                "Component statuses it sets",
                {"fields": [UpdateForm.component_field_name(c) for c in components]},
            ),
        ]

    def save_model(self, request, obj, form, change):
        services.template_save(
            template=obj, component_statuses=form.component_statuses(), actor=request.user
        )

    def delete_model(self, request, obj):
        services.template_delete(template=obj, actor=request.user)
