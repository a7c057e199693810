"""Who has two-factor log-in, and turning it off for someone who lost their device.

manage.py two_factor                      # staff users and whether they use a code
manage.py two_factor olivia --disable     # olivia logs in with her password alone again
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "List staff users and whether they log in with a code, or turn two-factor "
        "log-in off for a user who lost their device (they can enroll again afterwards)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="The user to look at or change.")
        parser.add_argument(
            "--disable", action="store_true", help="Remove the user's authenticator devices."
        )

    def handle(self, *args, username=None, disable=False, **options):
        if username is None:
            if disable:
                raise CommandError("--disable needs a username.")
            return self._list()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user '{username}'.")
        if disable:
            removed, _ = TOTPDevice.objects.filter(user=user).delete()
            verb = "is off" if removed else "was not on"
            self.stdout.write(f"Two-factor log-in {verb} for {username}.")
        else:
            self.stdout.write(f"{username}: {self._state(user)}")

    def _list(self):
        for user in get_user_model().objects.filter(is_staff=True).order_by("username"):
            self.stdout.write(f"{user.username}: {self._state(user)}")

    def _state(self, user):
        on = TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
        return "two-factor on" if on else "password only"
