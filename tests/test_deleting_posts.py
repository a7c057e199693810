"""A deleted post disappears from every public page, feed and API response, and the
deletion is on the audit trail."""

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import AuditEntry

from .conftest import open_incident

pytestmark = pytest.mark.django_db
# Where posts (or, for /history, their incidents) are shown to the public.
EVERYWHERE = [
    "/",
    "/history",
    "/history.rss",
    "/history.atom",
    "/api/v2/incidents.json",
    "/api/v2/summary.json",
]


def public_text(client, incident_url):
    """Every public response, as text, keyed by URL; the incident page may be gone."""
    bodies = {url: client.get(url).content.decode() for url in EVERYWHERE}
    detail = client.get(incident_url)
    bodies[incident_url] = detail.content.decode() if detail.status_code == 200 else ""
    return bodies


def delete_in_admin(operator_client, update):
    url = reverse("admin:incidents_incidentupdate_delete", args=[update.pk])
    assert operator_client.post(url, {"post": "yes"}).status_code == 302


def test_a_deleted_post_disappears_everywhere_and_the_other_posts_stay(client, operator_client):
    wrong = open_incident(title="Payment outage", headline="Posted by mistake", body="Wrong words")
    kept = services.update_create(incident=wrong.incident, status="identified", body="Kept words")
    url = wrong.incident.get_absolute_url()
    before = public_text(client, url)
    # History lists incidents, not posts; every other response shows both posts first.
    assert [u for u, text in before.items() if "Wrong words" not in text] == ["/history"]
    delete_in_admin(operator_client, wrong)
    after = public_text(client, url)
    assert [u for u, text in after.items() if "Wrong words" in text] == []
    assert [u for u, text in after.items() if "Posted by mistake" in text] == []
    assert [u for u, text in after.items() if "Kept words" not in text] == ["/history"]
    assert AuditEntry.objects.get(action="deleted").object_id == wrong.public_id
    assert kept.incident.public_id in after["/api/v2/incidents.json"]


def test_deleting_the_last_post_takes_the_incident_off_every_page(client, operator_client):
    only = open_incident(title="Payment outage", body="Only words")
    url = only.incident.get_absolute_url()
    before = public_text(client, url)
    assert all("Payment outage" in text for text in before.values())
    delete_in_admin(operator_client, only)
    assert client.get(url).status_code == 404
    after = public_text(client, url)
    assert [
        u for u, text in after.items() if "Payment outage" in text or "Only words" in text
    ] == []
    deletions = AuditEntry.objects.filter(action="deleted", actor_name="olivia")
    assert sorted(deletions.values_list("object_type", flat=True)) == ["incident", "update"]
