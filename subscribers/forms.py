import re

from django import forms

from incidents import selectors
from incidents.models import Component

from .addresses import MAX_INPUT_LENGTH, normalize_email
from .channels.targets import MAX_URL_LENGTH, check_url


class _IdsField(forms.ModelMultipleChoiceField):
    """Choices by id, checked to be ids before the database sees them: a 40-digit number
    overflows SQLite's integers (an error page instead of the form again)."""

    _ID = re.compile(r"\s*[0-9]{1,18}\s*")

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else []:
            if not isinstance(pk, str | int) or not self._ID.fullmatch(str(pk)):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class ScopeForm(forms.Form):
    """Which posts to get: nothing ticked means every post."""

    groups = _IdsField(
        selectors.public_groups(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Groups (including components added to them later)",
    )
    components = _IdsField(
        Component.objects.public(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Components",
    )


class SubscribeForm(ScopeForm):
    email = forms.CharField(label="Email address", max_length=MAX_INPUT_LENGTH)
    # A webhook instead of mail; the address is then its contact.
    webhook_url = forms.CharField(required=False, label="Webhook URL", max_length=MAX_URL_LENGTH)
    # Honeypot: hidden from people (and screen readers), filled in by naive bots.
    website = forms.CharField(required=False, label="Leave this empty")

    field_order = ["email", "webhook_url", "website", "groups", "components"]

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"].strip()
        return check_url(url) if url else ""

    def is_bot(self):
        return bool(self.data.get("website"))
