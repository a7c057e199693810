"""Optional two-factor log-in for staff: a time-based code from an authenticator app.

Staff who enrolled a device (django-otp's TOTP plugin) must give its code with their
password; the others log in with the password alone. Each user enrolls, and may turn
it off again, on the admin page "Two-factor authentication"; an administrator can
remove a lost device with `manage.py two_factor USERNAME --disable`.

A failed log-in gets one answer, whatever failed (the password, a missing, wrong or
too early code), and counts for django-axes: otherwise "the code is missing" would
tell whoever is guessing that the password was right.
"""

import logging
from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_totp.models import TOTPDevice

logger = logging.getLogger(__name__)
DEVICE_NAME = "Authenticator app"
LOGIN_FAILED = (
    "Please enter the correct %(username)s and password for a staff account and, if you "
    "use two-factor log-in, the current code from your app."
)


def is_satisfied(user) -> bool:
    """True unless the user enrolled a device and this session has not used it."""
    verified = getattr(user, "is_verified", None)
    return bool(verified and verified()) or not django_otp.user_has_device(user)


class _CodeInput(forms.TextInput):
    def format_value(self, value):
        return None  # a code is good for one try: a refused form never shows it again


def _code_field(**kwargs):
    return forms.CharField(
        label="Authentication code",
        max_length=16,
        widget=_CodeInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        **kwargs,
    )


def _check_code(device: TOTPDevice, code: str) -> str | None:
    """Verify `code`; None if it is right, else why not. Wrong codes slow further tries."""
    with transaction.atomic():
        # Locked: the throttle and the last used time step must not race.
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_is_allowed()[0]:
            return "Too many wrong codes: wait a few seconds, then enter the current one."
        if device.verify_token(code.replace(" ", "")):
            return None
    return "That code is not right. Enter the 6 digits your app shows now."


class LoginForm(AdminAuthenticationForm):
    """The admin log-in: a password, and the app's code for users who enrolled one."""

    error_messages = AdminAuthenticationForm.error_messages | {"invalid_login": LOGIN_FAILED}
    otp_token = _code_field(
        required=False,
        help_text="Only if you turned on two-factor authentication. After a wrong code, "
        "wait a few seconds for the next one.",
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()  # None when the password part is incomplete
        device = user and TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
        if not device:
            return cleaned
        code = cleaned.get("otp_token") or ""
        if not code or _check_code(device, code):
            # The answer and the count of a wrong password (django-axes), not a hint.
            user_login_failed.send(
                sender=__name__,
                credentials={"username": user.get_username()},
                request=self.request,
            )
            self.user_cache = None
            raise self.get_invalid_login_error()
        user.otp_device = device  # django_otp marks the session verified at login
        return cleaned


class ConfirmForm(forms.Form):
    otp_token = _code_field()


def qr_code_view(request):
    """The pending device's key as a QR code image (an image, so no inline SVG or data:
    URL needs an exception in the Content Security Policy)."""
    device = TOTPDevice.objects.devices_for_user(request.user, confirmed=False).first()
    if device is None or django_otp.user_has_device(request.user):
        raise Http404("No two-factor set-up in progress.")
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage)
    return HttpResponse(image.to_string(), content_type="image/svg+xml")


@sensitive_post_parameters("otp_token")
def setup_view(request, context):
    """Turn two-factor log-in on (scan, then confirm a code) or off (with a code)."""
    user = request.user
    enrolled = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    device = enrolled or _pending_device(user)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        problem = _check_code(device, form.cleaned_data["otp_token"])
        if problem:
            form.add_error("otp_token", problem)
        elif enrolled:
            _turn_off(request)
            return redirect("admin:index")
        else:
            _turn_on(request, device)
            return redirect("admin:index")
    context |= {"title": "Two-factor authentication", "form": form, "enrolled": bool(enrolled)}
    if not enrolled:
        context["secret"] = b32encode(device.bin_key).decode()
    return TemplateResponse(request, "admin/two_factor.html", context)


def _pending_device(user) -> TOTPDevice:
    # One pending device per user, kept across page loads so that a scanned code stays valid.
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def _turn_on(request, device):
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
    django_otp.login(request, device)  # this session has just shown the code
    logger.info("Two-factor log-in turned on by %s", request.user.get_username())
    messages.success(request, "Two-factor authentication is on: log-ins now ask for a code.")


def _turn_off(request):
    TOTPDevice.objects.filter(user=request.user).delete()
    logger.info("Two-factor log-in turned off by %s", request.user.get_username())
    messages.success(request, "Two-factor authentication is off.")
