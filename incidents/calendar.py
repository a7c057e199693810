"""The maintenance calendar, /maintenance.ics: upcoming and recent windows (RFC 5545).

Calendar apps subscribe and poll it. Each window is one event with a stable UID, so a
moved or edited window replaces its event instead of adding another.
"""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from public_store.http import public_resource

from . import selectors
from .models import Incident

RECENT = datetime.timedelta(days=30)
LINE_OCTETS = 75


@public_resource
def maintenance_calendar(request):
    maintenances = selectors.maintenance_windows(since=timezone.now() - RECENT)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{_text(settings.STATUS_PAGE_NAME)}//Status page//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_text(settings.STATUS_PAGE_NAME)}: maintenance",
    ]
    for maintenance in maintenances:
        lines.extend(_event(maintenance))
    lines.append("END:VCALENDAR")
    body = "".join(_fold(line) + "\r\n" for line in lines)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


def _event(maintenance: Incident) -> list[str]:
    url = settings.SITE_URL + maintenance.get_absolute_url()
    # DTSTAMP is the last change, not "now": the same state must give the same bytes.
    return [
        "BEGIN:VEVENT",
        f"UID:{maintenance.public_id}@{urlsplit(settings.SITE_URL).hostname}",
        f"DTSTAMP:{_utc(maintenance.updated_at)}",
        f"LAST-MODIFIED:{_utc(maintenance.updated_at)}",
        f"DTSTART:{_utc(maintenance.scheduled_for)}",
        f"DTEND:{_utc(maintenance.scheduled_until)}",
        f"SUMMARY:{_text(maintenance.title)}",
        f"DESCRIPTION:{_text(_description(maintenance, url))}",
        f"URL:{url}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]


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


def _utc(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """Escape a TEXT value (RFC 5545, 3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    for char in ("\\", ";", ","):
        value = value.replace(char, "\\" + char)
    return value.replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (RFC 5545, 3.1)."""
    parts, current, size, limit = [], [], 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            parts.append("".join(current))
            # A continuation line starts with a space, which counts.
            current, size, limit = [], 0, LINE_OCTETS - 1
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n ".join(parts)
