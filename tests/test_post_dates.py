"""Dates say what they do: scheduled and draft posts say so; dates that rewrite the past
need confirming (services, shell, admin); the incident list's Visibility column."""

import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import services
from incidents.models import Incident, IncidentUpdate

from .conftest import ago, later

pytestmark = pytest.mark.django_db

Y1999 = datetime.datetime(1999, 1, 1, tzinfo=datetime.UTC)


def opened(**kw):
    kw = {"title": "Outage", "status": "investigating", "body": "x"} | kw
    return services.incident_open(**kw)


def test_opening_an_open_incident_more_than_a_week_back_needs_confirmation(db):
    with pytest.raises(ValidationError) as error:
        opened(published_at=Y1999)
    assert error.value.code == "needs_confirmation"
    assert "1999-01-01 00:00 UTC" in error.value.message and "days so far" in error.value.message
    assert not Incident.objects.exists() and not IncidentUpdate.objects.exists()
    update = opened(published_at=Y1999, confirmed=True)
    assert update.incident.started_at == Y1999


def test_recent_backdating_and_resolved_history_need_no_confirmation(db):
    opened(published_at=ago(days=6))
    opened(title="Old", status="resolved", published_at=Y1999)
    maintenance = {"kind": "maintenance", "status": "scheduled"}
    window = {"scheduled_for": later(days=1), "scheduled_until": later(days=2)}
    opened(title="Announced long ago", published_at=ago(days=30), **maintenance, **window)
    assert Incident.objects.count() == 3


def test_a_post_dated_before_its_incident_started_needs_confirmation(db):
    incident = opened().incident
    with pytest.raises(ValidationError) as error:
        services.update_create(
            incident=incident, status="identified", body="y", published_at=ago(hours=2)
        )
    assert error.value.code == "needs_confirmation"
    assert "before the incident started" in error.value.message
    assert incident.updates.count() == 1
    services.update_create(
        incident=incident, status="identified", body="y", published_at=ago(hours=2), confirmed=True
    )
    assert incident.updates.count() == 2


def test_backdating_an_open_incident_needs_confirmation_only_as_its_latest_word(db):
    incident = opened(published_at=ago(days=30), confirmed=True).incident
    services.update_create(
        incident=incident, status="resolved", body="z", published_at=ago(days=29)
    )
    # History between its start and its resolution: the incident stays resolved.
    services.update_create(
        incident=incident, status="identified", body="y", published_at=ago(days=29, hours=12)
    )
    with pytest.raises(ValidationError, match="days so far"):
        services.update_create(
            incident=incident, status="monitoring", body="y", published_at=ago(days=10)
        )


def post_update(*args):
    out = io.StringIO()
    call_command("post_update", *args, stdout=out, stdin=io.StringIO(""))
    return out.getvalue().strip()


def test_post_update_refuses_1999_without_yes_in_one_line(settings, db):
    args = ["--title", "Outage", "--status", "investigating", "--body", "x"]
    with pytest.raises(CommandError) as error:
        post_update(*args, "--published-at", "1999-01-01T00:00")
    message = str(error.value)
    assert "\n" not in message and message.endswith("Add --yes to post it dated so.")
    assert "leaves the incident open since then" in message
    assert not Incident.objects.exists()
    out = post_update(*args, "--published-at", "1999-01-01T00:00", "--yes")
    assert out == f"{settings.SITE_URL}{Incident.objects.get().get_absolute_url()}"


def test_post_update_refuses_a_post_before_the_incident_started(db):
    incident = opened().incident
    args = ["--incident", incident.public_id, "--status", "identified", "--body", "y"]
    when = ago(days=1).strftime("%Y-%m-%dT%H:%M")
    with pytest.raises(CommandError, match="before the incident started"):
        post_update(*args, "--published-at", when)
    assert incident.updates.count() == 1


def post_form(client, incident, **data):
    url = reverse("admin:incidents_incident_post_update", args=[incident.pk])
    return client.post(url, {"status": "identified", "body": "y", "notify": "auto"} | data)


def test_the_admin_asks_to_confirm_and_posts_nothing_until_confirmed(operator_client):
    incident = opened().incident
    response = post_form(operator_client, incident, published_at="2026-01-01T10:00")
    assert response.status_code == 200
    html = response.content.decode()
    assert "before the incident started" in html and "Nothing was posted." in html
    assert re.search(r'<input type="checkbox" name="confirm_date" id="id_confirm_date">', html)
    assert "Yes, post it dated 2026-01-01 10:00 UTC" in html
    assert incident.updates.count() == 1
    confirmed = post_form(
        operator_client, incident, published_at="2026-01-01T10:00", confirm_date="on"
    )
    assert confirmed.status_code == 302
    assert incident.updates.count() == 2


def test_the_admin_says_a_scheduled_post_is_not_public_until_then(operator_client):
    incident = opened().incident
    response = post_form(operator_client, incident, published_at="2099-03-02T10:15")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Scheduled an update to “Outage” for 2099-03-02 10:15 UTC, not public until then."
    ]
    response = post_form(operator_client, incident, is_draft="on")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages[-1] == "Saved an update to “Outage” as a draft, not public."


def visibility_cells(client):
    html = client.get(reverse("admin:incidents_incident_changelist")).content.decode()
    cells = re.findall(r'<td class="field-visibility">(.*?)</td>', html, re.S)
    titles = re.findall(r'<th class="field-title"><a [^>]*>(.*?)</a>', html)
    return dict(zip(titles, cells, strict=True))


def test_the_incident_list_says_draft_scheduled_or_public(operator_client):
    opened(title="Drafted", is_draft=True)
    opened(title="Later", published_at=datetime.datetime(2099, 3, 2, 10, 15, tzinfo=datetime.UTC))
    public = opened(title="Public").incident
    services.update_create(incident=public, status="identified", body="y", is_draft=True)
    cells = visibility_cells(operator_client)
    assert cells == {
        "Public": "Public",
        "Later": "Scheduled<br><small>2099-03-02 10:15 UTC</small>",
        "Drafted": "Draft",
    }


def list_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin:incidents_incident_changelist")).status_code == 200
    return len(queries)


def test_the_visibility_column_costs_no_query_per_incident(operator_client):
    for n in range(2):
        opened(title=f"Few {n}", is_draft=n % 2 == 0)
    few = list_queries(operator_client)
    for n in range(6):
        opened(title=f"More {n}", published_at=later(days=n + 1) if n % 2 else None)
    assert list_queries(operator_client) == few


def test_the_admin_says_an_incident_opened_for_later_is_not_public_yet(operator_client):
    data = {"title": "Later", "impact": "minor", "status": "investigating", "body": "x"}
    url = reverse("admin:incidents_incident_add")
    response = operator_client.post(url, data | {"notify": "auto"})
    assert [str(m) for m in response.wsgi_request._messages] == ["Opened “Later”."]
    response = operator_client.post(
        url, data | {"notify": "auto", "title": "Then", "published_at": "2099-03-02T10:15"}
    )
    assert [str(m) for m in response.wsgi_request._messages][-1] == (
        "Scheduled “Then” for 2099-03-02 10:15 UTC, not public until then."
    )


def test_moving_a_post_before_its_incident_started_needs_confirmation(db):
    incident = opened().incident
    later_post = services.update_create(incident=incident, status="identified", body="y")
    with pytest.raises(ValidationError, match="before the incident started"):
        services.update_edit(update=later_post, published_at=ago(days=2))
    assert IncidentUpdate.objects.get(pk=later_post.pk).published_at == later_post.published_at
    services.update_edit(update=later_post, published_at=ago(days=2), confirmed=True)
    first = incident.updates.order_by("published_at").first()
    assert first == later_post


def test_the_post_change_page_asks_to_confirm_a_date_that_rewrites_the_past(operator_client):
    post = opened()
    url = reverse("admin:incidents_incidentupdate_change", args=[post.pk])
    data = {
        "status": "investigating",
        "headline": "",
        "body": "x",
        "notify": "on",
        "published_at_0": "1999-01-01",
        "published_at_1": "00:00:00",
    }
    response = operator_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "days so far" in html and "Tick “Yes, date it so”." in html
    assert IncidentUpdate.objects.get(pk=post.pk).published_at == post.published_at
    assert operator_client.post(url, data | {"confirm_date": "on"}).status_code == 302
    assert IncidentUpdate.objects.get(pk=post.pk).published_at == Y1999
