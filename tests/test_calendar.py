import datetime
import shutil
import subprocess
from urllib.parse import urlsplit

import icalendar
import pytest
from django.conf import settings

from incidents import services

from .conftest import ago, later, open_incident

pytestmark = pytest.mark.django_db

# libical's own parser and its iTIP check (RFC 5546), through GObject introspection in
# Debian's Python: `make test` installs python3-gi and gir1.2-ical-3.0.
LIBICAL_CHECK = """
import sys, gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib
calendar = ICalGLib.Component.new_from_string(sys.stdin.read())
valid = ICalGLib.restriction_check(calendar)
print(calendar.as_ical_string())
sys.exit(0 if valid else 1)
"""


def libical_check(raw: bytes) -> tuple[bool, str]:
    """Whether libical finds the calendar valid, and the calendar as libical wrote it back
    (with an X-LIC-ERROR property at each fault it found)."""
    python = shutil.which("python3", path="/usr/bin")
    probe = [python, "-c", "import gi; gi.require_version('ICalGLib', '3.0')"] if python else []
    if not python or subprocess.run(probe, capture_output=True).returncode != 0:
        pytest.fail(
            "Needs libical's GObject bindings: run `make test` (or apt-get install "
            "python3-gi gir1.2-ical-3.0)."
        )
    result = subprocess.run(
        [python, "-c", LIBICAL_CHECK], input=raw, capture_output=True, check=False
    )
    return result.returncode == 0, result.stdout.decode()


def strictly_parsed(raw: bytes) -> icalendar.Calendar:
    """The calendar as icalendar reads it, failing on any property it could not read
    (icalendar notes those in `errors` rather than raising)."""
    calendar = icalendar.Calendar.from_ical(raw)
    errors = [(c.name, c.errors) for c in calendar.walk() if c.errors]
    assert not errors, errors
    return calendar


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
    return response, strictly_parsed(response.content)


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


def test_libical_finds_the_calendar_valid_and_its_itip_rule_kept(client, db):
    maintenance("Kernel upgrade", later(days=2))
    maintenance("Disk swap", ago(days=3), published_at=ago(days=4))
    response, cal = calendar(client)
    valid, as_read = libical_check(response.content)
    assert valid and "X-LIC-ERROR" not in as_read, as_read
    assert as_read.count("BEGIN:VEVENT") == 2
    # No METHOD: a calendar to subscribe to, not an iTIP message needing an ORGANIZER.
    assert "METHOD" not in cal and all("ORGANIZER" not in e for e in cal.walk("VEVENT"))
    # The checker can fail: the same calendar as a METHOD:PUBLISH message is refused.
    publish = response.content.replace(b"VERSION:2.0\r\n", b"VERSION:2.0\r\nMETHOD:PUBLISH\r\n")
    valid, as_read = libical_check(publish)
    assert not valid and "ORGANIZER" in as_read


def test_the_strict_reading_can_fail(db):
    broken = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:2026\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(AssertionError):
        strictly_parsed(broken)


def test_backslashes_commas_and_line_breaks_come_back_as_written(client, db):
    title = r"Move DOMAIN\Network to C:\New, part 1; then \n"
    body = "Line one\r\nLine two\rLine three, \\N"
    maintenance(title, later(days=1), body=body)
    _, cal = calendar(client)
    [event] = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == title
    assert "Line one\nLine two\nLine three, \\N" in str(event["DESCRIPTION"])
    assert str(cal["X-WR-CALNAME"]) == f"{settings.STATUS_PAGE_NAME}: maintenance"
