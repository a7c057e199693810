"""Components, incidents and their updates (the posts of the timeline), and the audit trail.

Writes go through incidents.services; what the public sees is read through
incidents.selectors, on the visibility rule here (`IncidentUpdate.objects.published()`).
"""

from .audit import AuditAction, AuditEntry, AuditObjectType
from .components import (
    CHANGE_NAME_LENGTH,
    COMPONENT_SEVERITY,
    Component,
    ComponentGroup,
    ComponentStatus,
    ComponentStatusChange,
    worst_status,
)
from .fields import PUBLIC_ID_PATTERN, PublicIdField, new_public_id
from .incidents import (
    ACTIVE_MAINTENANCE_STATUSES,
    CLOSED_STATUSES,
    INCIDENT_IMPACTS,
    STATUSES_BY_KIND,
    Impact,
    Incident,
    IncidentKind,
    IncidentRow,
    IncidentStatus,
    IncidentUpdate,
)
from .templates import IncidentTemplate, IncidentTemplateComponent

__all__ = [
    "ACTIVE_MAINTENANCE_STATUSES",
    "CHANGE_NAME_LENGTH",
    "CLOSED_STATUSES",
    "COMPONENT_SEVERITY",
    "INCIDENT_IMPACTS",
    "PUBLIC_ID_PATTERN",
    "STATUSES_BY_KIND",
    "AuditAction",
    "AuditEntry",
    "AuditObjectType",
    "Component",
    "ComponentGroup",
    "ComponentStatus",
    "ComponentStatusChange",
    "Impact",
    "Incident",
    "IncidentKind",
    "IncidentRow",
    "IncidentStatus",
    "IncidentTemplate",
    "IncidentTemplateComponent",
    "IncidentUpdate",
    "PublicIdField",
    "new_public_id",
    "worst_status",
]
