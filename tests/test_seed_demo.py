import io
import re

import pytest
from django.core.management import call_command

from incidents.models import Component, Incident, IncidentUpdate

# The real posts of the old status blog, newest first (../shared/seeds/000_b417b2a5adf639e2.txt).
SEED_HEADLINES = [
    "s1 restored",
    "server1 being rebooted",
    "Network restored",
    "Network problem",
    "Outage complete",
    "Update on outage",
    "Outage longer than expected",
    "Server reboot",
    "Outage complete",
    "Brief outage",
]

pytestmark = pytest.mark.django_db


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_demo_shows_the_seed_posts_in_the_blogs_order(client):
    assert "Loaded" in seed()
    html = client.get("/").content.decode()
    headlines = re.findall(r'<h3 class="post-title"><a href="[^"]+">([^<]+)</a>', html)
    assert headlines == SEED_HEADLINES
    assert "All Systems Operational" in html
    assert "the database server did not exit cleanly" in html


def test_demo_groups_posts_into_resolved_incidents_with_components(db):
    seed()
    assert Incident.objects.count() == 4
    assert set(Incident.objects.values_list("status", flat=True)) == {"resolved"}
    assert Component.objects.filter(status="operational").count() == Component.objects.count() >= 3
    network = Incident.objects.get(title="Network problem")
    assert [u.headline for u in network.updates.all()] == ["Network restored", "Network problem"]
    assert network.components.get().name == "Network"


def test_demo_is_backfilled_history_and_mails_nobody(db):
    seed()
    assert not IncidentUpdate.objects.filter(notify=True).exists()


def test_seeding_twice_changes_nothing(db):
    seed()
    counts = (Incident.objects.count(), IncidentUpdate.objects.count(), Component.objects.count())
    assert "already has data" in seed()
    assert (
        Incident.objects.count(),
        IncidentUpdate.objects.count(),
        Component.objects.count(),
    ) == counts
