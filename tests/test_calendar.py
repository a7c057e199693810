import datetime
from urllib.parse import urlsplit

import icalendar
import pytest
from django.conf import settings

from incidents import services

from .conftest import ago, later, open_incident

pytestmark = pytest.mark.django_db


def maintenance(title, start, hours=2, **kw):
    kw.setdefault("status", "scheduled")
    kw.setdefault("body", "Planned work.")
    return open_incident(
        title=title,
        kind="maintenance",
        scheduled_for=start,
        scheduled_until=start + datetime.timedelta(hours=hours),
        **kw,
    )


def calendar(client):
    response = client.get("/maintenance.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response, icalendar.Calendar.from_ical(response.content)


def test_calendar_has_upcoming_and_recent_windows(client, network):
    upcoming = maintenance("Kernel upgrade", later(days=2), component_changes={})
    recent = maintenance("Disk swap", ago(days=10), published_at=ago(days=12))
    services.incident_edit(incident=recent.incident, title="Disk swap, rack 3")
    _, cal = calendar(client)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    events = cal.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Disk swap, rack 3", "Kernel upgrade"]
    event = events[1]
    assert event.decoded("DTSTART") == upcoming.incident.scheduled_for.replace(microsecond=0)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == datetime.timedelta(hours=2)
    assert (
        str(event["UID"]) == f"{upcoming.incident.public_id}@{urlsplit(settings.SITE_URL).hostname}"
    )
    assert str(event["URL"]) == settings.SITE_URL + upcoming.incident.get_absolute_url()
    assert "Planned work." in str(event["DESCRIPTION"])


def test_incidents_old_windows_and_unpublished_ones_are_left_out(client, db):
    open_incident(title="An incident")
    maintenance("Long ago", ago(days=60), published_at=ago(days=61))
    maintenance("Draft window", later(days=1), is_draft=True)
    maintenance("Announced later", later(days=3), published_at=later(days=1))
    _, cal = calendar(client)
    assert cal.walk("VEVENT") == []


def test_lines_end_in_crlf_are_folded_at_75_octets_and_text_is_escaped(client, db):
    title = "Réseau; maintenance, with a long title " + "é" * 60
    maintenance(title, later(days=1), body="Line one\nLine two; more, and more")
    response, cal = calendar(client)
    raw = response.content
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    raw.decode("utf-8")  # folding never splits a character
    [event] = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == title
    assert "Line one\nLine two; more, and more" in str(event["DESCRIPTION"])


def test_the_same_windows_give_the_same_calendar(client, db):
    maintenance("Kernel upgrade", later(days=2))
    first, _ = calendar(client)
    second, _ = calendar(client)
    assert first.content == second.content
