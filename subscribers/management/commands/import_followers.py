from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from subscribers.importing import FollowerFileError, import_followers


class Command(BaseCommand):
    help = (
        "Import already-confirmed followers from a CSV file with a header row: "
        "email, and optionally components (names separated by ';')."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, UTF-8.")
        parser.add_argument("--dry-run", action="store_true", help="Only count; import nothing.")

    def handle(self, *args, file, dry_run, **options):
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
            report = import_followers(text, dry_run=dry_run)
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text.") from None
        except FollowerFileError as error:
            raise CommandError(str(error)) from None
        for problem in report.problems:
            self.stderr.write(problem)
        self.stdout.write(report.summary(dry_run=dry_run))
