"""Planning an import: the checked documents' records gathered, checked against each
other and against what is here already, and told in one line each."""

from collections import Counter
from dataclasses import dataclass, field

from ...models import Component, ComponentGroup, Incident, IncidentUpdate
from .documents import ComponentRecord, Document, IncidentRecord, read
from .errors import SourceError
from .history import components_from_history, distinct_updates


@dataclass
class Plan:
    """What a source holds, checked: the records to write, keyed by their ids."""

    components: dict[str, ComponentRecord] = field(default_factory=dict)
    incidents: dict[str, IncidentRecord] = field(default_factory=dict)
    # Whether the source's page shows each component: True if a list of the page's
    # components has it, None if the source has no such list (incidents.json alone).
    listed: dict[str, bool | None] = field(default_factory=dict)
    page_id: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def groups(self):
        return [c for c in self.components.values() if c.is_group]

    @property
    def members(self):
        return [c for c in self.components.values() if not c.is_group]

    def shown(self, public_id: str) -> bool | None:
        """True: the page lists it (shown here); False: not on the page (a new one is
        hidden); None: no list says (a new one is shown, one here stays as it is)."""
        return self.listed.get(public_id, False)


def plan(documents: list[tuple[str, object]]) -> Plan:
    """Check the documents and gather their records; raise SourceError at the first fault."""
    result, embedded, lists = Plan(), {}, False
    for name, data in documents:
        try:
            document = read(data)
        except SourceError as error:
            prefix = f"{name}: " if len(documents) > 1 else ""
            raise SourceError(f"{prefix}{error}") from None
        _gather(document, result, embedded)
        lists = lists or "components" in document.model_fields_set
    # A component a list of the page's has is on the page, one it leaves out is not;
    # without any list (incidents.json alone), nothing says of those the incidents show.
    if lists:
        result.listed = dict.fromkeys(result.components, True)
    else:
        result.listed = dict.fromkeys(embedded, None)
    # Top-level component lists win over the copies embedded in incidents.
    result.components = embedded | result.components
    _check_names(result)
    from_history, warnings = components_from_history(result.incidents, result.components)
    result.components |= from_history
    result.warnings += warnings
    return result


def _gather(document: Document, result: Plan, embedded: dict) -> None:
    result.page_id = document.page_id or result.page_id
    for record in document.components:
        result.components[record.public_id] = record
    for record in document.all_incidents:
        embedded |= {component.public_id: component for component in record.components}
        result.warnings += distinct_updates(record)
        known = result.incidents.get(record.public_id)
        if known:  # the same incident in two documents: keep every update
            ids = {u.public_id for u in record.updates}
            record.updates += [u for u in known.updates if u.public_id not in ids]
        result.incidents[record.public_id] = record


def _check_names(result: Plan) -> None:
    """Names are unique here, but Statuspage repeats them across groups ("API" in "Europe"
    and in "North America"): such a name gets its group's, "API (Europe)", and keeps it."""
    group_names = {g.public_id: g.name for g in result.groups} | dict(
        ComponentGroup.objects.filter(
            public_id__in={c.group_id for c in result.members if c.group_id}
        ).values_list("public_id", "name")
    )
    for records, model in ((result.groups, ComponentGroup), (result.members, Component)):
        ids = [r.public_id for r in records]
        current = dict(model.objects.filter(public_id__in=ids).values_list("public_id", "name"))
        others = dict(model.objects.exclude(public_id__in=ids).values_list("name", "public_id"))
        counts = Counter(r.name for r in records)
        for record in records:
            group = group_names.get(record.group_id or "")
            qualified = f"{record.name} ({group})"[:100] if group else None
            clash = counts[record.name] > 1 or record.name in others
            if qualified and (clash or current.get(record.public_id) == qualified):
                record.name = qualified
        _refuse_duplicate_names(records, others, model)


def _refuse_duplicate_names(records, others: dict, model) -> None:
    seen = {}
    for record in records:
        if record.name in seen:
            raise SourceError(
                f"{record.path}.name: '{record.name}' is also the name of {seen[record.name]}."
            )
        if record.name in others:
            raise SourceError(
                f"{record.path}.name: '{record.name}' is already the name of another "
                f"{model._meta.verbose_name} here ({others[record.name]}); rename one of them."
            )
        seen[record.name] = record.path


def describe(checked: Plan, *, dry_run: bool) -> list[str]:
    """One line per group, component and incident: what is (or would be) written."""
    verbs = ("would create", "would update") if dry_run else ("created", "updated")
    existing = _existing_ids(checked)
    lines = [
        f"{verbs[r.public_id in existing]} {'group' if r.is_group else 'component'} "
        f"'{r.name}' ({r.public_id})"
        + ("" if checked.shown(r.public_id) is not False or r.public_id in existing else ", hidden")
        for r in [*checked.groups, *checked.members]
    ]
    for record in oldest_first(checked.incidents.values()):
        new = sum(u.public_id not in existing for u in record.updates)
        lines.append(
            f"{verbs[record.public_id in existing]} {record.kind} '{record.title}' "
            f"({record.public_id}), {record.status}: {_updates(len(record.updates))}, {new} new"
        )
    return lines


def _updates(count: int) -> str:
    return f"{count} update" if count == 1 else f"{count} updates"


def _existing_ids(checked: Plan) -> set[str]:
    updates = [u.public_id for i in checked.incidents.values() for u in i.updates]
    querysets = [
        ComponentGroup.objects.filter(public_id__in=[g.public_id for g in checked.groups]),
        Component.objects.filter(public_id__in=[c.public_id for c in checked.members]),
        Incident.objects.filter(public_id__in=list(checked.incidents)),
        IncidentUpdate.objects.filter(public_id__in=updates),
    ]
    return {pk for qs in querysets for pk in qs.values_list("public_id", flat=True)}


def oldest_first(records):
    return sorted(records, key=lambda r: (r.created_at, r.public_id))
