"""Statuspage's documents as pydantic models: what each field may hold and what a
missing one means. Fields carry our names; Statuspage's are their aliases, so a
refusal names the field as the source spells it: "incidents[0].incident_updates[3].id"."""

from typing import Annotated, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    PrivateAttr,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ...models import INCIDENT_IMPACTS, STATUSES_BY_KIND, ComponentStatus, Impact, IncidentKind
from .errors import SourceError, first_fault
from .fields import ChangeName, Date, Id, Name, Text, Time, Title, choice, is_id, refused

# A document has one of these: the lists, or the one incident of incidents/<id>.json.
PARTS = {"components", "incidents", "scheduled_maintenances", "incident", "scheduled_maintenance"}

ComponentStatusName = choice(ComponentStatus.values, "a component status")
IncidentStatusName = choice(
    [str(s) for s in STATUSES_BY_KIND[IncidentKind.INCIDENT]], "an incident status"
)
MaintenanceStatusName = choice(
    [str(s) for s in STATUSES_BY_KIND[IncidentKind.MAINTENANCE]], "a status of a maintenance"
)
ImpactName = choice([str(i) for i in INCIDENT_IMPACTS], "an impact")
MaintenanceImpactName = choice(Impact.values, "an impact")


def _created_at(data: dict):
    """A time the source may leave out (but not set to null): the record's creation."""
    return data.get("created_at")


class Record(BaseModel):
    """A record of a document: read strictly, and knowing where it was read."""

    model_config = ConfigDict(strict=True)  # no coercion; fields we do not read are ignored
    _path: str = PrivateAttr("")

    @property
    def path(self) -> str:
        """Where the record was read, for the messages of later checks: "incidents[2]"."""
        return self._path

    def locate(self, path: str) -> None:
        """Tell this record and the records in it where they were read."""
        self._path = path
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            key = f"{path}.{field.alias or name}" if path else field.alias or name
            if isinstance(value, Record):
                value.locate(key)
            for i, item in enumerate(value if isinstance(value, list) else []):
                item.locate(f"{key}[{i}]")


class ComponentRecord(Record):
    created_at: Time
    public_id: Id = Field(alias="id")
    name: Name
    status: ComponentStatusName
    description: Text
    position: int = 0
    group_id: Id | None = None
    start_date: Date | None = None
    updated_at: Time = Field(default_factory=_created_at)
    is_group: bool = Field(False, alias="group")
    showcase: bool = True
    only_show_if_degraded: bool = False


class ChangeRecord(Record):
    """A change of a component's status that an update announced."""

    code: Id
    name: ChangeName = ""  # the component's name then: "Group - Component" if grouped
    old_status: ComponentStatusName
    new_status: ComponentStatusName


def _null_is_no_changes(changes):
    return [] if changes is None else changes


def _null_is_false(value):
    return False if value is None else value


class UpdateRecord(Record):
    created_at: Time
    changes: Annotated[list[ChangeRecord], BeforeValidator(_null_is_no_changes)] = Field(
        default_factory=list, alias="affected_components"
    )
    public_id: Id = Field(alias="id")
    status: IncidentStatusName
    body: Text
    updated_at: Time = Field(default_factory=_created_at)
    display_at: Time | None = None
    # Kept as history: whether Statuspage mailed it (an import mails nobody).
    notified: Annotated[bool, BeforeValidator(_null_is_false)] = Field(
        False, alias="deliver_notifications"
    )

    @model_validator(mode="after")
    def _displayed_when_created(self):
        self.display_at = self.display_at or self.created_at
        return self


class MaintenanceUpdateRecord(UpdateRecord):
    status: MaintenanceStatusName


# A field this kind of record does not have: whatever Statuspage sends there is ignored.
NotRead = Annotated[None, PlainValidator(lambda value: None)]


def _at_least_one(updates: list) -> list:
    if not updates:
        raise refused("an incident needs at least one update.")
    return updates


class IncidentRecord(Record):
    kind: ClassVar[str] = IncidentKind.INCIDENT
    created_at: Time
    components: list[ComponentRecord] = []
    updates: Annotated[list[UpdateRecord], AfterValidator(_at_least_one)] = Field(
        alias="incident_updates"
    )
    scheduled_for: NotRead = None  # an incident has no window (a maintenance has)
    scheduled_until: NotRead = None
    public_id: Id = Field(alias="id")
    title: Title = Field(alias="name")
    status: IncidentStatusName
    impact: ImpactName
    updated_at: Time = Field(default_factory=_created_at)
    started_at: Time | None = None
    monitoring_at: Time | None = None
    resolved_at: Time | None = None

    @model_validator(mode="after")
    def _started_when_created(self):
        self.started_at = self.started_at or self.created_at
        return self


def _maintenance_impact(value):
    # Its own impact is kept ("none", "minor", ...); without one, the usual.
    return Impact.MAINTENANCE.value if value is None else value


class MaintenanceRecord(IncidentRecord):
    kind: ClassVar[str] = IncidentKind.MAINTENANCE
    updates: Annotated[list[MaintenanceUpdateRecord], AfterValidator(_at_least_one)] = Field(
        alias="incident_updates"
    )
    scheduled_for: Time
    scheduled_until: Time
    status: MaintenanceStatusName
    impact: Annotated[MaintenanceImpactName, BeforeValidator(_maintenance_impact)] = (
        Impact.MAINTENANCE.value
    )

    @field_validator("scheduled_until")
    @classmethod
    def _after_start(cls, end, info: ValidationInfo):
        start = info.data.get("scheduled_for")
        if start and end <= start:
            raise refused(f"{end.isoformat()} is not after scheduled_for.")
        return end


def _kind(item) -> str:
    """Statuspage tells a maintenance by its impact or by its window (one with an impact
    of its own, "none" or "minor", still has a window)."""
    if isinstance(item, dict) and (
        item.get("impact") == "maintenance" or item.get("scheduled_for") is not None
    ):
        return IncidentKind.MAINTENANCE.value
    return IncidentKind.INCIDENT.value  # also what is no object: refused as an incident


IncidentOrMaintenance = Annotated[
    Annotated[IncidentRecord, Tag(IncidentKind.INCIDENT.value)]
    | Annotated[MaintenanceRecord, Tag(IncidentKind.MAINTENANCE.value)],
    Discriminator(_kind),
]


def _page_id(page) -> str | None:
    """The page's id, printed as advice: an id or nothing, never a refusal."""
    page_id = page.get("id") if isinstance(page, dict) else None
    return page_id if is_id(page_id) else None


class Document(Record):
    """summary.json, incidents.json, scheduled-maintenances.json or components.json, or
    the document of one incident or maintenance ({"page", "incident"})."""

    page_id: Annotated[str | None, PlainValidator(_page_id)] = Field(None, alias="page")
    components: list[ComponentRecord] = []
    incidents: list[IncidentOrMaintenance] = []
    scheduled_maintenances: list[IncidentOrMaintenance] = []
    incident: IncidentOrMaintenance | None = None
    scheduled_maintenance: IncidentOrMaintenance | None = None

    @property
    def all_incidents(self) -> list[IncidentRecord]:
        single = [self.incident, self.scheduled_maintenance]
        return [*self.incidents, *self.scheduled_maintenances, *filter(None, single)]


def read(data) -> Document:
    """The document in `data` (parsed JSON), checked; SourceError at its first fault."""
    if not isinstance(data, dict) or not PARTS & set(data):
        raise SourceError(
            "not a Statuspage document: expected components, incidents, "
            "scheduled_maintenances or incident (summary.json, incidents.json, "
            "incidents/<id>.json, ...)."
        )
    try:
        document = Document.model_validate(data)
    except ValidationError as error:
        raise first_fault(error) from None
    document.locate("")
    return document
