"""The break-glass journal: posts made with `post_update` while the database was
unreachable.

    manage.py journal                 # what waits to be posted, and what could not be
    manage.py journal --replay        # post what waits now (the worker does it by itself)
    manage.py journal --dismiss ID    # forget an entry (one posted again by hand, say)
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from incidents import services
from public_store import journal


def _when(timestamp):
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC).isoformat(timespec="seconds")


def _summary(entry):
    update = entry.payload.get("update", {})
    about = (entry.payload.get("open") or {}).get(
        "title"
    ) or f"incident {entry.payload.get('incident')}"
    text = update.get("headline") or " ".join(update.get("body", "").split())
    return f"{about}: {update.get('status')}: {text[:60]}"


class Command(BaseCommand):
    help = "List, post now or dismiss posts made while the database was unreachable."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--replay", action="store_true", help="Post what waits, now.")
        action.add_argument("--dismiss", metavar="ID", help="Forget this entry.")

    def handle(self, *args, **options):
        if options["replay"]:
            self.stdout.write(f"Posted {services.journal_replay_due()} entries.")
        elif options["dismiss"]:
            self._dismiss(options["dismiss"])
        records = journal.read()
        for entry in records.pending():
            self.stdout.write(f"{entry.id}  waiting   {_when(entry.created_at)}  {_summary(entry)}")
        for entry_id, closing in records.closed.items():
            if closing.outcome == journal.REFUSED:
                entry = records.entries.get(entry_id)
                what = _summary(entry) if entry else ""
                self.stdout.write(
                    f"{entry_id}  REFUSED   {_when(closing.at)}  {what}: {closing.note}"
                )

    def _dismiss(self, entry_id):
        records = journal.read()
        refused = records.closed.get(entry_id, journal.Closing("")).outcome == journal.REFUSED
        if entry_id not in records.entries or (entry_id in records.closed and not refused):
            raise CommandError(f"No entry {entry_id!r} waits or was refused.")
        journal.close(entry_id, journal.DISMISSED, note="dismissed by hand")
        self.stdout.write(f"Dismissed {entry_id}.")
