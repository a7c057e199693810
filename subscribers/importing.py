"""Importing followers of the old blog from CSV: a header row with `email`, optionally
`components` (names separated by ";" or ","; empty means everything)."""

import csv
import io
from dataclasses import dataclass, field

from django import forms
from django.db import transaction

from incidents.models import Component

from . import services
from .addresses import normalize_email

MAX_ROWS = 1_000_000


class FollowerFileError(Exception):
    """The file as a whole cannot be read (no `email` column, not CSV, not UTF-8)."""


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    invalid: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self, dry_run=False):
        verb = "would be imported" if dry_run else "imported"
        return (
            f"{self.imported} {verb}, {self.duplicates} duplicates skipped, "
            f"{self.invalid} invalid skipped"
        )


def import_followers(text: str, *, dry_run: bool = False) -> ImportReport:
    rows = csv.DictReader(io.StringIO(text))
    fields = [name.strip().lower() for name in rows.fieldnames or []]
    if "email" not in fields:
        raise FollowerFileError("The first row must be a header with an 'email' column.")
    rows.fieldnames = fields
    components = {c.name.lower(): c for c in Component.objects.all()}
    report, seen = ImportReport(), set()
    with transaction.atomic():
        for line, row in enumerate(rows, start=2):
            if line > MAX_ROWS:
                raise FollowerFileError(f"More than {MAX_ROWS} rows.")
            _import_row(row, line, components, seen, report, dry_run)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _import_row(row, line, components, seen, report, dry_run):
    try:
        email = normalize_email(row.get("email") or "")
        chosen = [
            components[name.strip().lower()]
            for name in (row.get("components") or "").replace(";", ",").split(",")
            if name.strip()
        ]
    except forms.ValidationError:
        report.invalid += 1
        report.problems.append(f"line {line}: invalid address {row.get('email')!r}")
        return
    except KeyError as error:
        report.invalid += 1
        report.problems.append(f"line {line}: unknown component {error.args[0]!r}")
        return
    if email in seen or not services.subscriber_import(email=email, components=chosen):
        report.duplicates += 1
    else:
        report.imported += 1
    seen.add(email)
