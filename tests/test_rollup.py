import pytest

from incidents import services
from incidents.models import Component, Incident
from incidents.rollup import page_status

from .conftest import later, open_incident


def components(*statuses):
    return [Component(name=f"c{i}", status=s) for i, s in enumerate(statuses)]


@pytest.mark.parametrize(
    ("statuses", "indicator", "description"),
    [
        (["operational", "operational"], "none", "All Systems Operational"),
        ([], "none", "All Systems Operational"),
        (["operational", "degraded_performance"], "minor", "Partially Degraded Service"),
        (["degraded_performance", "degraded_performance"], "minor", "Degraded System Service"),
        (["operational", "partial_outage"], "minor", "Minor Service Outage"),
        (["operational", "major_outage"], "major", "Partial System Outage"),
        (["major_outage", "major_outage"], "critical", "Major System Outage"),
        (["operational", "under_maintenance"], "maintenance", "Service Under Maintenance"),
        (["under_maintenance", "major_outage"], "major", "Partial System Outage"),
    ],
)
def test_component_rollup_uses_statuspage_wording(statuses, indicator, description):
    status = page_status(components(*statuses))
    assert (status.indicator, status.description) == (indicator, description)


@pytest.mark.parametrize(
    ("impact", "indicator", "description"),
    [
        ("none", "none", "All Systems Operational"),
        ("minor", "minor", "Minor Service Outage"),
        ("major", "major", "Partial System Outage"),
        ("critical", "critical", "Major System Outage"),
    ],
)
def test_open_incident_impact_raises_the_rollup(impact, indicator, description):
    incident = Incident(kind="incident", impact=impact, status="investigating")
    status = page_status(components("operational"), [incident])
    assert (status.indicator, status.description) == (indicator, description)


def test_components_describe_the_state_when_as_severe_as_the_incidents():
    incident = Incident(kind="incident", impact="minor", status="investigating")
    status = page_status(components("operational", "degraded_performance"), [incident])
    assert status.description == "Partially Degraded Service"


def test_maintenance_counts_only_while_in_progress():
    upcoming = Incident(kind="maintenance", impact="none", status="scheduled")
    active = Incident(kind="maintenance", impact="none", status="in_progress")
    assert page_status(components("operational"), [upcoming]).indicator == "none"
    assert (
        page_status(components("operational"), [active]).description == "Service Under Maintenance"
    )


@pytest.mark.django_db
def test_hidden_components_never_affect_the_public_rollup(network):
    hidden = services.component_save(component=Component(name="Internal", is_hidden=True))
    services.component_set_status(component=hidden, status="major_outage")
    assert page_status(Component.objects.public()).description == "All Systems Operational"


@pytest.mark.django_db
def test_upcoming_maintenance_is_not_an_outage(network):
    open_incident(
        title="Upgrade",
        kind="maintenance",
        status="scheduled",
        scheduled_for=later(days=1),
        scheduled_until=later(days=1, hours=1),
    )
    status = page_status(Component.objects.public(), Incident.objects.public().open())
    assert status.indicator == "none"
