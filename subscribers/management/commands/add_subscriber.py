from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from incidents.models import Component, ComponentGroup
from subscribers import services
from subscribers.models import SubscriberKind


class Command(BaseCommand):
    help = (
        "Add a follower, active at once: KIND is email, webhook, slack, discord, teams, "
        "mattermost or googlechat; TARGET the address or URL. Prints a webhook's secret."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=SubscriberKind.values)
        parser.add_argument("target", help="The address (email) or the URL.")
        parser.add_argument(
            "--component",
            action="append",
            default=[],
            help="A component or group to follow (repeatable); none: every post.",
        )
        parser.add_argument("--email", default="", help="A URL's contact address.")

    def handle(self, *args, kind, target, component, email, **options):
        components, groups = [], []
        for name in component:
            found = Component.objects.filter(name__iexact=name).first()
            group = None if found else ComponentGroup.objects.filter(name__iexact=name).first()
            if not found and not group:
                raise CommandError(f"No component or group named {name!r}.")
            (components.append(found) if found else groups.append(group))
        try:
            subscriber = services.subscriber_add(
                kind=kind, target=target, components=components, groups=groups, email=email
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Added {subscriber}.")
        if subscriber.secret:
            self.stdout.write(f"Signing secret: {subscriber.secret}")
