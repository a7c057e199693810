"""What an import keeps of a page's history that its lists leave out: components named
only by a post's changes (one removed from the old page since, say), and distinct
updates that share an id."""

import hashlib
from collections import defaultdict

from ...models import Component
from .documents import ChangeRecord, ComponentRecord, IncidentRecord, UpdateRecord

_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_NAME_LENGTH = Component._meta.get_field("name").max_length


def components_from_history(
    incidents: dict[str, IncidentRecord], known: dict[str, ComponentRecord]
) -> tuple[dict[str, ComponentRecord], list[str]]:
    """A hidden component for each code that the changes name but neither the source's
    lists nor this page hold, so that no change is lost; and a warning for each."""
    changes = defaultdict(list)
    for incident in incidents.values():
        for update in incident.updates:
            for change in update.changes:
                changes[change.code].append((update, change))
    unknown = set(changes) - set(known)
    here = Component.objects.filter(public_id__in=unknown).values_list("public_id", flat=True)
    unknown -= set(here)
    taken = {record.name for record in known.values()} | set(
        Component.objects.exclude(public_id__in=known).values_list("name", flat=True)
    )
    records, warnings = {}, []
    for code in sorted(unknown):
        record = _component_of(code, sorted(changes[code], key=lambda seen: seen[0].display_at))
        record.name = _free_name(record.name, code, taken)
        taken.add(record.name)
        records[code] = record
        warnings.append(
            f"{record.path}.code: component '{code}' ({record.name}) is not on the page, only "
            "in its history: it is created hidden, with its changes."
        )
    return records, warnings


def _component_of(code: str, seen: list[tuple[UpdateRecord, ChangeRecord]]) -> ComponentRecord:
    """What the changes tell of a component: its latest name and status, and when."""
    (first_update, _), (last_update, last) = seen[0], seen[-1]
    record = ComponentRecord.model_construct(
        public_id=code,
        name=last.name or code,
        status=last.new_status,
        description="",
        position=0,
        group_id=None,
        start_date=None,
        created_at=first_update.display_at,
        updated_at=last_update.display_at,
        is_group=False,
        showcase=True,
        only_show_if_degraded=False,
    )
    record.locate(last.path)
    return record


def _free_name(name: str, code: str, taken: set[str]) -> str:
    name = name[:_NAME_LENGTH]
    if name not in taken:
        return name
    suffix = f" ({code})"
    return name[: _NAME_LENGTH - len(suffix)] + suffix


def distinct_updates(record: IncidentRecord) -> list[str]:
    """Keep every distinct update of an incident: of two that share an id, the later one
    gets an id derived from it (the same on every import); an exact repeat is dropped.
    Returns a warning for each id given."""
    kept, warnings = {}, []
    for update in sorted(record.updates, key=lambda u: (u.display_at, u.created_at)):
        first = kept.get(update.public_id)
        if first is not None and first.model_dump() == update.model_dump():
            continue
        if first is not None:
            original, update.public_id = update.public_id, _derived_id(update.public_id, kept)
            warnings.append(
                f"{update.path}.id: '{original}' is also the id of {first.path}, a different "
                f"update; this one is kept as '{update.public_id}'."
            )
        kept[update.public_id] = update
    record.updates = [u for u in record.updates if kept.get(u.public_id) is u]
    return warnings


def _derived_id(public_id: str, taken) -> str:
    """12 letters and digits, like Statuspage's ids, from the id and a count."""
    count = 2
    while True:
        digest = int.from_bytes(hashlib.sha256(f"{public_id}/{count}".encode()).digest()[:8])
        derived = ""
        for _ in range(12):
            digest, digit = divmod(digest, len(_ID_ALPHABET))
            derived += _ID_ALPHABET[digit]
        if derived not in taken:
            return derived
        count += 1
