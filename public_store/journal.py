"""The break-glass journal: posts made while the database is unreachable.

An app that cannot reach the database writes its post here (`append`): to a file under
VAR_DIR, synced to disk before `append` returns (the durable record), and to the shared
store, from which every web process shows it on the public pages at once (serving.py
splices its HTML in at the pages' journal markers; the mirrors publish those pages).
When the database is back, the app replays each entry through its normal write path
with `replay()`, which records the entry's id in the database in the same transaction:
an entry is applied exactly once, and a replay that crashed half-way is safe to run
again. The store knows nothing of what an entry means: the app gives the HTML to show
and the payload to replay.
"""

import fcntl
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from . import store

logger = logging.getLogger(__name__)

STORE_KEY = "public:journal"
LOCK_KEY = "public:journal-lock"
# Closed entries are remembered this long (reports, and so that a copy of the file on
# another machine does not bring one back), then forgotten.
RETAIN_CLOSED = 7 * 24 * 3600

REPLAYED, REFUSED, DISMISSED = "replayed", "refused", "dismissed"
ALREADY_REPLAYED = "already replayed"  # by a worker killed before it closed the entry


class JournalUnavailable(Exception):
    """Neither the file nor the shared store could take the entry."""


@dataclass
class Entry:
    payload: dict  # what the app replays, JSON-serialisable
    html: str = ""  # shown on its own, at a page's general journal marker
    anchored_html: str = ""  # shown at its anchors' markers, where it belongs
    anchors: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)  # public paths whose pages show it
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_at: float = field(default_factory=time.time)

    @classmethod
    def from_dict(cls, data):
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


@dataclass
class Closing:
    outcome: str  # replayed, refused (the app would not take it) or dismissed by hand
    note: str = ""  # what it became, or why it was refused
    at: float = field(default_factory=time.time)


@dataclass
class Journal:
    entries: dict[str, Entry] = field(default_factory=dict)
    closed: dict[str, Closing] = field(default_factory=dict)

    def pending(self) -> list[Entry]:
        open_ = [entry for id_, entry in self.entries.items() if id_ not in self.closed]
        return sorted(open_, key=lambda entry: entry.created_at)


# The file: one JSON record a line, appended and synced; the last line may be cut short
# by a crash, and is then skipped.


def _path():
    return settings.JOURNAL_PATH


@contextmanager
def _file_locked():
    # A lock file of its own: compacting replaces the journal file, and a lock held on
    # the replaced file would let a writer append to a file no longer there.
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "ab") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield path


def _append_records(*records):
    with _file_locked() as path:
        created = not path.exists()
        with open(path, "ab") as file:
            if file.tell() and not _ends_with_newline(path):
                file.write(b"\n")  # after a line cut short by a crash: keep the next one whole
            for record in records:
                file.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
            file.flush()
            os.fsync(file.fileno())
        if created:
            _sync_directory(path.parent)


def _ends_with_newline(path):
    with open(path, "rb") as file:
        file.seek(-1, os.SEEK_END)
        return file.read(1) == b"\n"


def _sync_directory(directory):
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_file() -> Journal:
    with _file_locked() as path:
        return _read_file(path)


def _read_file(path) -> Journal:
    journal = Journal()
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return journal
    for line in lines:
        try:
            _apply_record(journal, json.loads(line))
        except (ValueError, TypeError, KeyError):
            logger.warning("Journal %s: skipping an unreadable line", path)
    return journal


def _apply_record(journal, record):
    if record["event"] == "posted":
        entry = Entry.from_dict(record["entry"])
        journal.entries[entry.id] = entry
    elif record["event"] == "closed":
        journal.closed[record["id"]] = Closing(**record["closing"])


def _compact_file():
    """Rewrite the file without what was closed long ago: a new file, synced, renamed."""
    with _file_locked() as path:
        journal = _read_file(path)
        if not _forget_old(journal):
            return
        temporary = path.with_name(path.name + ".compacting")
        with open(temporary, "wb") as file:
            for entry in journal.entries.values():
                record = {"event": "posted", "entry": asdict(entry)}
                file.write(json.dumps(record).encode() + b"\n")
            for id_, closing in journal.closed.items():
                record = {"event": "closed", "id": id_, "closing": asdict(closing)}
                file.write(json.dumps(record).encode() + b"\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
        _sync_directory(path.parent)


# The shared store: what every web process shows, and what other machines' workers see.


def read_store() -> Journal:
    return _from_stored(store.cache.get(STORE_KEY))


def _from_stored(value) -> Journal:
    if not isinstance(value, dict):
        return Journal()
    try:
        return Journal(
            entries={id_: Entry.from_dict(data) for id_, data in value["entries"].items()},
            closed={id_: Closing(**data) for id_, data in value["closed"].items()},
        )
    except (KeyError, TypeError, AttributeError):
        return Journal()


@contextmanager
def _store_locked():
    # A read-modify-write of one key; a lost write would hide a post until the worker's
    # next sync from the file, so writers take turns.
    deadline = time.monotonic() + 5
    while not store.cache.add(LOCK_KEY, 1, 10) and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        journal = read_store()
        before = _stored(journal)
        yield journal
        _forget_old(journal)
        if _stored(journal) != before:
            store.cache.set(STORE_KEY, _stored(journal), None)
        _set_shown(journal)  # again, should the cache have dropped it
    finally:
        store.cache.delete(LOCK_KEY)


def _stored(journal):
    return {
        "entries": {id_: asdict(entry) for id_, entry in journal.entries.items()},
        "closed": {id_: asdict(closing) for id_, closing in journal.closed.items()},
    }


def _set_shown(journal):
    """What the public pages show, under a key of its own: read on every request, so
    absent when nothing waits."""
    shown = [asdict(entry) for entry in journal.pending() if entry.html]
    if shown:
        store.cache.set(store.JOURNAL_SHOWN_KEY, shown, None)
    else:
        store.cache.delete(store.JOURNAL_SHOWN_KEY)


def _forget_old(journal) -> bool:
    cutoff = time.time() - RETAIN_CLOSED
    old = [id_ for id_, closing in journal.closed.items() if closing.at < cutoff]
    for id_ in old:
        journal.closed.pop(id_)
        journal.entries.pop(id_, None)
    return bool(old)


# What apps call.


def append(entry: Entry) -> list[str]:
    """Write `entry` durably; where it went ("file", "store"). Raises JournalUnavailable
    when neither could take it."""
    written = []
    try:
        _append_records({"event": "posted", "entry": asdict(entry)})
        written.append("file")
    except OSError as error:
        logger.error("Journal file %s cannot be written: %s", _path(), error)
    try:
        with _store_locked() as journal:
            journal.entries[entry.id] = entry
        written.append("store")
    except store.CACHE_ERRORS as error:
        logger.warning("Journal entry %s not in the shared store (%s)", entry.id, error)
    if not written:
        raise JournalUnavailable(f"neither {_path()} nor the shared store can be written")
    return written


def read() -> Journal:
    """The file and the shared store together (either may miss what the other has)."""
    journal = read_file()
    try:
        shared = read_store()
    except store.CACHE_ERRORS:
        shared = Journal()
    return Journal(entries=shared.entries | journal.entries, closed=shared.closed | journal.closed)


def pending() -> list[Entry]:
    """Entries not yet replayed (nor refused or dismissed), oldest first."""
    return read().pending()


def close(entry_id: str, outcome: str, note: str = "") -> None:
    closing = Closing(outcome=outcome, note=note[:500])
    _append_records({"event": "closed", "id": entry_id, "closing": asdict(closing)})
    try:
        with _store_locked() as journal:
            journal.closed[entry_id] = closing
    except store.CACHE_ERRORS as error:
        logger.warning("Journal entry %s closed in the file only (%s)", entry_id, error)


def sync() -> int:
    """Bring the file and the shared store together: entries written while the store was
    down are shown once it is back, and closings made elsewhere reach the file. Returns
    how many closings the file learned of."""
    local = read_file()
    if not local.entries:
        return 0  # nothing was ever written here: nothing to bring together
    try:
        with _store_locked() as shared:
            news = _merge(local, shared)
    except store.CACHE_ERRORS:
        return 0  # the file stays the record; the next round tries again
    if news:
        records = ({"event": "closed", "id": i, "closing": asdict(c)} for i, c in news.items())
        _append_records(*records)
    if _forget_old(local):
        _compact_file()
    return len(news)


def _merge(local, shared) -> dict[str, Closing]:
    """Give the store what the file has; return the closings the file lacks."""
    for id_, entry in local.entries.items():
        shared.entries.setdefault(id_, entry)
    shared.closed |= local.closed
    return {
        id_: closing
        for id_, closing in shared.closed.items()
        if id_ in local.entries and id_ not in local.closed
    }


def replay(entry: Entry, apply: Callable[[Entry], str]) -> str:
    """Apply `entry` through the app's write path exactly once, and close it.

    Its id is recorded in the database in the transaction that applies it: an entry
    applied before (by a worker killed before it could close it, or by another worker)
    is only closed (ALREADY_REPLAYED). `apply` returns what the entry became (a URL); it raises
    ValidationError for an entry it will never take, which is closed as refused. Any
    other error (the database gone again) leaves the entry for the next try.
    """
    from .models import JournalReplay

    try:
        with transaction.atomic():
            claim, created = JournalReplay.objects.get_or_create(entry_id=entry.id)
            if created:
                claim.result = apply(entry)[:200]
                claim.save(update_fields=["result"])
    except ValidationError as error:
        close(entry.id, REFUSED, note=" ".join(error.messages))
        return REFUSED
    close(entry.id, REPLAYED, note=claim.result)
    return REPLAYED if created else ALREADY_REPLAYED


# What /healthz and the admin report.


def report() -> dict:
    journal = read()
    pending = journal.pending()
    refused = {i: c for i, c in journal.closed.items() if c.outcome == REFUSED}
    result = {"ok": not pending and not refused, "pending": len(pending), "refused": len(refused)}
    errors = []
    if pending:
        result["oldest_pending_seconds"] = round(time.time() - pending[0].created_at, 1)
        errors.append(
            f"{len(pending)} post(s) made while the database was unreachable wait to be "
            "replayed (the worker replays them once the database is back)"
        )
    errors += [f"journal entry {i} could not be posted: {c.note}" for i, c in refused.items()]
    if errors:
        result["error"] = "; ".join(errors) + " (see: manage.py journal)"
    return result
