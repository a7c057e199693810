"""Move a page from Atlassian Statuspage here, or refresh an earlier import.

manage.py import_statuspage https://status.example.org            # the whole page
manage.py import_statuspage incidents.json --dry-run              # check, write nothing
manage.py import_statuspage http://10.0.0.5 --allow-private       # a page on the local network
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from incidents.api import importer


class Command(BaseCommand):
    help = (
        "Import components, groups, incidents, maintenances and their updates from a "
        "Statuspage page, keeping their ids and times. Running it again updates them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "source",
            help="A file or http(s) URL of summary.json, incidents.json, "
            "scheduled-maintenances.json, components.json or one incident's document "
            "(incidents/<id>.json), or a page's base URL (then all the lists are fetched).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the source and print what would be imported; write nothing.",
        )
        parser.add_argument(
            "--allow-private",
            action="store_true",
            help="Read from a URL on a loopback, private or link-local address (an old page "
            "on the local network). Redirects may still lead only to public addresses or "
            "back to that host.",
        )

    def handle(self, *args, source, dry_run, allow_private, **options):
        try:
            checked = importer.plan(importer.load(source, allow_private=allow_private))
            lines = importer.describe(checked, dry_run=dry_run)
            if not dry_run:
                importer.apply(checked)
        except importer.SourceError as error:
            raise CommandError(f"Nothing was imported. {error}") from None
        for warning in checked.warnings:
            self.stderr.write(f"Warning: {warning}")
        for line in lines:
            self.stdout.write(line)
        self.stdout.write("Dry run: nothing was written." if dry_run else "Import complete.")
        if checked.page_id and checked.page_id != settings.STATUS_PAGE_ID:
            self.stdout.write(
                f"To keep the page id that clients know, set STATUS_PAGE_ID={checked.page_id}."
            )
