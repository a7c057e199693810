import pytest

from incidents import services
from incidents.models import Incident, IncidentUpdate
from subscribers import services as subscriber_services
from subscribers.models import Subscriber

from .conftest import ago, later, open_incident

pytestmark = pytest.mark.django_db


def schedule(components, *, start, end, auto=True):
    return open_incident(
        title="Database upgrade",
        kind="maintenance",
        status="scheduled",
        body="We will upgrade the database.",
        scheduled_for=start,
        scheduled_until=end,
        auto_transition=auto,
        component_changes=dict.fromkeys(components, "under_maintenance"),
    ).incident


def test_a_scheduled_maintenance_affects_but_does_not_change_components_yet(database):
    incident = schedule([database], start=later(hours=1), end=later(hours=2))
    database.refresh_from_db()
    assert database.status == "operational"
    assert list(incident.components.all()) == [database]


def test_automatic_maintenance_starts_and_completes_on_time_with_a_post_each(database):
    incident = schedule([database], start=ago(seconds=1), end=later(hours=1))
    assert services.maintenances_transition_due() == 1
    assert services.maintenances_transition_due() == 0  # safe to repeat
    incident.refresh_from_db()
    database.refresh_from_db()
    assert incident.status == "in_progress" and database.status == "under_maintenance"
    Incident.objects.filter(pk=incident.pk).update(scheduled_until=ago(seconds=1))
    assert services.maintenances_transition_due() == 1
    incident.refresh_from_db()
    database.refresh_from_db()
    assert incident.status == "completed" and database.status == "operational"
    assert [u.headline for u in incident.updates.all()] == [
        "Maintenance completed",
        "Maintenance started",
        "",
    ]
    assert all(u.notify for u in incident.updates.all())


def test_a_component_that_broke_during_maintenance_stays_broken(database, web):
    incident = schedule([database, web], start=ago(seconds=1), end=later(hours=1))
    services.maintenances_transition_due()
    services.component_set_status(component=web, status="major_outage")
    Incident.objects.filter(pk=incident.pk).update(scheduled_until=ago(seconds=1))
    services.maintenances_transition_due()
    database.refresh_from_db()
    web.refresh_from_db()
    assert (database.status, web.status) == ("operational", "major_outage")


def test_manual_maintenance_is_left_to_the_operator(database):
    incident = schedule([database], start=ago(minutes=5), end=ago(minutes=1), auto=False)
    assert services.maintenances_transition_due() == 0
    incident.refresh_from_db()
    assert incident.status == "scheduled"


def test_expired_sign_ups_are_removed_and_confirmed_followers_kept(db):
    stale = subscriber_services.subscriber_subscribe(email="stale@example.org")
    Subscriber.objects.filter(pk=stale.pk).update(created_at=ago(days=8))
    fresh = subscriber_services.subscriber_subscribe(email="fresh@example.org")
    old_follower = subscriber_services.subscriber_confirm(
        subscriber=subscriber_services.subscriber_subscribe(email="loyal@example.org")
    )
    Subscriber.objects.filter(pk=old_follower.pk).update(created_at=ago(days=400))
    assert subscriber_services.subscribers_expire_pending() == 1
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        fresh.email,
        old_follower.email,
    }


def test_drafts_are_released_when_published_and_future_posts_when_due(network):
    future = open_incident(
        published_at=later(minutes=5), component_changes={network: "major_outage"}
    )
    assert not IncidentUpdate.objects.published().filter(pk=future.pk).exists()
    IncidentUpdate.objects.filter(pk=future.pk).update(published_at=ago(seconds=1))
    assert services.updates_release_due() == 1
    network.refresh_from_db()
    assert network.status == "major_outage"
