from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from incidents.models import Component

from ...models import DEFAULT_HOLD_DOWN, DEFAULT_RATE_LIMIT, Integration, IntegrationKind
from ...services import integration_create, receiving_addresses


class Command(BaseCommand):
    help = (
        "Create an integration and print the address to give the monitoring system "
        "(its token is shown only now)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=IntegrationKind.values)
        parser.add_argument("name")
        parser.add_argument(
            "--auto-publish",
            action="store_true",
            help="Publish (and mail) incidents once firing for the hold-down; otherwise "
            "they wait as drafts for a person.",
        )
        parser.add_argument(
            "--hold-down",
            type=int,
            default=DEFAULT_HOLD_DOWN,
            metavar="SECONDS",
            help=f"With --auto-publish: how long alerts fire before going public "
            f"(default {DEFAULT_HOLD_DOWN}).",
        )
        parser.add_argument(
            "--component",
            metavar="NAME",
            help="The component of alerts that name none (e.g. one Uptime Kuma monitor).",
        )
        parser.add_argument(
            "--expected-interval",
            type=int,
            metavar="SECONDS",
            help="Deliveries come at least this often: /healthz reports a longer silence.",
        )
        parser.add_argument(
            "--rate-limit",
            type=int,
            default=DEFAULT_RATE_LIMIT,
            metavar="PER_MINUTE",
            help=f"Requests a minute beyond which it answers 429 (default {DEFAULT_RATE_LIMIT}).",
        )

    def handle(self, *args, kind, name, auto_publish, hold_down, component, **options):
        if hold_down < 0:
            raise CommandError("--hold-down must be 0 or more seconds.")
        interval = options["expected_interval"]
        if interval is not None and interval < 1:
            raise CommandError("--expected-interval must be 1 second or more.")
        if options["rate_limit"] < 1:
            raise CommandError("--rate-limit must be 1 or more requests a minute.")
        integration = Integration(
            name=name,
            kind=kind,
            auto_publish=auto_publish,
            hold_down=hold_down,
            component=self._component(component),
            expected_interval=interval,
            rate_limit=options["rate_limit"],
        )
        try:
            token = integration_create(integration=integration)
        except ValidationError as error:
            raise CommandError(" ".join(_messages(error))) from None
        addresses = receiving_addresses(token)
        self.stdout.write(addresses["url"])
        self.stderr.write(
            f"Created {integration.get_kind_display()} integration “{integration}”"
            f" ({'auto-publish after ' + str(hold_down) + ' s' if auto_publish else 'drafts'}). "
            f"Or post to {addresses['bearer_url']} with “Authorization: Bearer {token}”. "
            "The token is shown only now."
        )

    def _component(self, name):
        if name is None:
            return None
        found = Component.objects.filter(public_id=name).first()
        found = found or Component.objects.filter(name__iexact=name.strip()).first()
        if found is None:
            known = ", ".join(Component.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"No component named “{name}” (components: {known}).")
        return found


def _messages(error: ValidationError):
    if hasattr(error, "message_dict"):
        return [f"{field}: {m}" for field, found in error.message_dict.items() for m in found]
    return error.messages
