"""The maintenance calendar, /maintenance.ics: upcoming and recent windows (RFC 5545).

Calendar apps subscribe and poll it. Each window is one event with a stable UID, so a
moved or edited window replaces its event instead of adding another. The icalendar
library writes it (escaping, folding at 75 octets, CRLF).

It has no METHOD: it is a calendar to subscribe to, not an iTIP message (RFC 5546). With
METHOD:PUBLISH every event would need an ORGANIZER (libical flags each one without),
and an organizer's address makes calendar apps show the windows as invitations from it,
with buttons to accept or decline that would mail the page's no-reply address.
"""

import datetime
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from public_store.http import public_resource

from . import selectors
from .models import Incident

RECENT = datetime.timedelta(days=30)


class _Text(icalendar.vText):
    """A TEXT value (RFC 5545, 3.3.11). icalendar's own escaping turns a backslash before
    an N into a line break ("DOMAIN\\Network" would read "DOMAIN", "etwork"), so the
    escaping is done here; the library still folds and writes the lines."""

    def to_ical(self) -> bytes:
        text = str(self).replace("\r\n", "\n").replace("\r", "\n")
        for char in ("\\", ";", ","):
            text = text.replace(char, "\\" + char)
        return text.replace("\n", "\\n").encode()


@public_resource
def maintenance_calendar(request):
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", _Text(f"-//{settings.STATUS_PAGE_NAME}//Status page//EN"))
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _Text(f"{settings.STATUS_PAGE_NAME}: maintenance"))
    for maintenance in selectors.maintenance_windows(since=timezone.now() - RECENT):
        calendar.add_component(_event(maintenance))
    return HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")


def _event(maintenance: Incident) -> icalendar.Event:
    url = settings.SITE_URL + maintenance.get_absolute_url()
    event = icalendar.Event()
    event.add("uid", f"{maintenance.public_id}@{urlsplit(settings.SITE_URL).hostname}")
    # DTSTAMP is the last change, not "now": the same state must give the same bytes.
    event.add("dtstamp", _utc(maintenance.updated_at))
    event.add("last-modified", _utc(maintenance.updated_at))
    event.add("dtstart", _utc(maintenance.scheduled_for))
    event.add("dtend", _utc(maintenance.scheduled_until))
    event.add("summary", _Text(maintenance.title))
    event.add("description", _Text(_description(maintenance, url)))
    event.add("url", url)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _description(maintenance: Incident, url: str) -> str:
    """The latest post (status, headline, message), the affected components, the link."""
    latest = maintenance.published_updates[0]
    affected = ", ".join(component.name for component in maintenance.public_components)
    parts = [
        latest.get_status_display(),
        latest.headline,
        latest.body.strip(),
        affected and f"Affected: {affected}",
        url,
    ]
    return "\n\n".join(part for part in parts if part)


def _utc(value: datetime.datetime) -> datetime.datetime:
    # Written as UTC ("…Z"), which needs no VTIMEZONE; whole seconds, as before.
    return value.astimezone(datetime.UTC).replace(microsecond=0)
