"""Importing followers from CSV: a header row with `email`, or `kind` and `target`, and
optionally `components` (names separated by ";" or ","; empty means everything). A row
of kind `email` (or with no kind) is an address; another kind's target is its URL, and
its `email`, if any, its contact address. Everyone imported is active at once.

The file is read through once for its shape (a bad file writes nothing), then imported
in batches, each its own short transaction: a 100,000-row file never holds the write
lock for long (SQLite has one for the whole database, and a post waits for it), and the
public state is marked changed once, at the end.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from incidents.models import Component

from . import services
from .addresses import normalize_email
from .spreadsheets import cell_value

MAX_ROWS = 1_000_000
BATCH_SIZE = 1000


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
    """Import (or with `dry_run`, only count) the followers of a CSV file's text."""
    _check_shape(text)
    components = {c.name.lower(): c.pk for c in Component.objects.all()}
    report, seen, batch = ImportReport(), set(), {}
    rows = _rows(text)
    for row in rows:
        follower = _follower(row, rows.line_num, components, report)
        if follower is None:
            continue
        key, value = follower
        if key in seen:
            report.duplicates += 1
            continue
        seen.add(key)
        batch[key] = value
        if len(batch) == BATCH_SIZE:
            _import_batch(batch, report, dry_run)
            batch = {}
    _import_batch(batch, report, dry_run)
    if report.imported and not dry_run:
        services.followers_changed()
    return report


def _rows(text):
    rows = csv.DictReader(io.StringIO(text))
    rows.fieldnames = [name.strip().lower() for name in rows.fieldnames or []]
    return rows


def _check_shape(text):
    """Refuse a file that cannot be imported whole, before anything is written."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        if "email" not in header and not {"kind", "target"} <= set(header):
            raise FollowerFileError(
                "The first row must be a header with an 'email' column, "
                "or 'kind' and 'target' columns."
            )
        for line, _ in enumerate(reader, start=2):
            if line > MAX_ROWS + 1:
                raise FollowerFileError(f"More than {MAX_ROWS} rows.")
    except csv.Error as error:
        raise FollowerFileError(f"Line {reader.line_num}: not valid CSV ({error}).") from None


def _follower(row, line, components, report):
    """(key, (component ids, contact)) of a valid row, the key an address or a (kind,
    URL) pair; None, counted and told, for another row."""
    try:
        # A file exported from here has spreadsheet-safe cells (subscribers.spreadsheets).
        kind = cell_value(row.get("kind") or "").strip().lower() or "email"
        email = cell_value(row.get("email") or "")
        target = cell_value(row.get("target") or "") or (email if kind == "email" else "")
        key = services.follower_key(kind=kind, target=target)
        contact = normalize_email(email) if kind != "email" and email.strip() else ""
        names = cell_value(row.get("components") or "").replace(";", ",").split(",")
        ids = sorted({components[name.strip().lower()] for name in names if name.strip()})
        return (key.get("email") if kind == "email" else (kind, key["url"])), (ids, contact)
    except ValidationError as error:
        kind = (row.get("kind") or "email").strip().lower()
        if kind == "email":
            shown = row.get("email") or row.get("target")
            report.problems.append(f"line {line}: invalid address {shown!r}")
        else:
            shown = row.get("target")
            report.problems.append(f"line {line}: invalid row {shown!r} ({error.messages[0]})")
    except KeyError as error:
        report.problems.append(f"line {line}: unknown component {error.args[0]!r}")
    report.invalid += 1
    return None


def _import_batch(batch, report, dry_run):
    emails = {key: ids for key, (ids, _) in batch.items() if isinstance(key, str)}
    urls = {key: value for key, value in batch.items() if not isinstance(key, str)}
    if dry_run:
        known = services.subscribers_count_known(emails=emails.keys(), urls=urls.keys())
        new = len(batch) - known
    else:
        new = services.subscribers_import(followers=emails)
        new += services.subscribers_import_urls(followers=urls)
    report.imported += new
    report.duplicates += len(batch) - new
