"""The page's overall status: one indicator and one description, as Statuspage words them.

Clients compare these exact strings, and the HTML banner and status.json must always
agree, so both call `page_status`.
"""

from dataclasses import dataclass

from .models import ACTIVE_MAINTENANCE_STATUSES, ComponentStatus, Impact, IncidentKind

# Indicator severity, lowest first.
_SEVERITY = ["none", "maintenance", "minor", "major", "critical"]

_BY_IMPACT = {
    Impact.MINOR: ("minor", "Minor Service Outage"),
    Impact.MAJOR: ("major", "Partial System Outage"),
    Impact.CRITICAL: ("critical", "Major System Outage"),
}


@dataclass(frozen=True)
class PageStatus:
    indicator: str
    description: str

    @property
    def css_class(self):
        return f"indicator-{self.indicator}"


ALL_OPERATIONAL = PageStatus("none", "All Systems Operational")
UNDER_MAINTENANCE = PageStatus("maintenance", "Service Under Maintenance")


def _from_components(statuses):
    present = set(statuses)
    if ComponentStatus.MAJOR_OUTAGE in present:
        if present == {ComponentStatus.MAJOR_OUTAGE}:
            return PageStatus("critical", "Major System Outage")
        return PageStatus("major", "Partial System Outage")
    if ComponentStatus.PARTIAL_OUTAGE in present:
        return PageStatus("minor", "Minor Service Outage")
    if ComponentStatus.DEGRADED_PERFORMANCE in present:
        if present == {ComponentStatus.DEGRADED_PERFORMANCE}:
            return PageStatus("minor", "Degraded System Service")
        return PageStatus("minor", "Partially Degraded Service")
    if ComponentStatus.UNDER_MAINTENANCE in present:
        return UNDER_MAINTENANCE
    return ALL_OPERATIONAL


def _from_incidents(open_incidents):
    worst = ALL_OPERATIONAL
    for incident in open_incidents:
        if incident.kind == IncidentKind.MAINTENANCE:
            # Only a maintenance under way counts; an upcoming one is not an outage.
            active = incident.status in ACTIVE_MAINTENANCE_STATUSES
            candidate = UNDER_MAINTENANCE if active else ALL_OPERATIONAL
        else:
            candidate = PageStatus(*_BY_IMPACT.get(incident.impact, ("none", "")))
        if _SEVERITY.index(candidate.indicator) > _SEVERITY.index(worst.indicator):
            worst = candidate
    return worst


def page_status(components, open_incidents=()):
    """Roll up the public components' statuses and the open incidents' impacts.

    `components` must be the public ones only: hidden components never change the roll-up.
    """
    by_components = _from_components(component.status for component in components)
    by_incidents = _from_incidents(open_incidents)
    if _SEVERITY.index(by_incidents.indicator) > _SEVERITY.index(by_components.indicator):
        return by_incidents
    return by_components
