"""Publish the public site to its static mirrors now, and say what was written.

    manage.py publish_mirror                      # every target of MIRROR_URL
    manage.py publish_mirror file:///srv/status   # or these targets
    manage.py publish_mirror --full               # render every page, whatever its version

The worker publishes after every change by itself; this is for a first copy, a new
target, or a check by hand.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from public_store import mirrors


class Command(BaseCommand):
    help = "Publish the public site as static files to MIRROR_URL's targets (or those given)."

    def add_arguments(self, parser):
        parser.add_argument("targets", nargs="*", metavar="TARGET", help="file:///… or s3://…")
        parser.add_argument(
            "--full", action="store_true", help="Render every page again, whatever its version."
        )

    def handle(self, *args, **options):
        urls = options["targets"] or settings.MIRROR_URLS
        if not urls:
            raise CommandError("No target: set MIRROR_URL or name one (file:///dir, s3://bucket).")
        started = time.monotonic()
        outcomes = mirrors.publish(urls, full=options["full"])
        seconds = time.monotonic() - started
        failed = []
        for url, outcome in outcomes.items():
            if isinstance(outcome, Exception):
                failed.append(f"{url}: {type(outcome).__name__}: {outcome}")
                continue
            self.stdout.write(
                f"{url}: {outcome.objects} objects, {len(outcome.written)} written, "
                f"{len(outcome.removed)} removed ({outcome.location}, {seconds:.1f} s)"
            )
            if options["verbosity"] >= 1:
                for key in outcome.written:
                    self.stdout.write(f"  wrote {key}")
                for key in outcome.removed:
                    self.stdout.write(f"  removed {key}")
        if failed:
            raise CommandError(" ".join("; ".join(failed).split()))
