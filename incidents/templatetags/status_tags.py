import math
from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from incidents.markdown import safe_html
from incidents.models import ComponentStatus

register = template.Library()

TIME_PATTERNS = {"long": "j M Y, H:i T", "medium": "j M, H:i T", "short": "H:i T"}


@register.filter
def timetag(value, style="long"):
    """A <time> element: ISO 8601 for machines, the page's time zone (named) for people.

    static/localtime.js rewrites it in the visitor's zone, keeping the style (its class).
    """
    if value is None:
        return ""
    local = timezone.localtime(value)
    text = format_date(local, TIME_PATTERNS[style])
    iso = local.isoformat(timespec="seconds")  # HTML allows at most milliseconds
    if style == "long":
        return format_html('<time datetime="{}">{}</time>', iso, text)
    return format_html('<time class="{}" datetime="{}">{}</time>', style, iso, text)


@register.filter
def percent(ratio):
    """An uptime ratio as people read it, never rounded up to a perfect 100%."""
    if ratio is None:
        return "no data"
    if ratio >= 1:
        return "100%"
    return f"{math.floor(ratio * 10_000) / 100:.2f}%"


@register.filter
def component_status_label(status):
    return ComponentStatus(status).label if status else ""


@register.filter
def duration(value):
    """A timedelta as people say it: '2 h 5 min', '5 min', '3 days 2 h'."""
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if minutes and not days:
        parts.append(f"{minutes} min")
    return " ".join(parts) or "under a minute"


@register.filter
def sanitized(html):
    """Stored update HTML, cleaned again on its way out (incidents.markdown.safe_html):
    the one way a template shows HTML it did not escape itself."""
    return safe_html(html)


@register.simple_tag
def uptime_bars(uptime):
    """A component's daily bars (`<li>`s, oldest first), each with its text: the date,
    the uptime, the worst status, the first incidents and a link to the rest of the day.

    Built here rather than in a template loop, with one reverse() per kind of link: `/`
    has 90 bars per component and, on busy days, hundreds of incident links among them.
    """
    links = {
        "incident": reverse("incident_detail", args=["-"])[:-1],  # + public id
        "day": reverse("history") + "?day=",  # + date
    }
    bars = "".join(
        f'<li class="bar bar-{day.worst_status or "none"}"><span class="tip">'
        f"<b>{format_date(day.date, 'j M Y')}</b>: {_day_text(day, links)}</span></li>"
        for day in uptime.days
    )
    # Safe: statuses and dates are ours; titles and ids are escaped in _day_text.
    return mark_safe(bars)  # noqa: S308  # nosec B308 B703


def _day_text(day, links):
    if day.uptime is None:
        return "no data"
    text = f"{percent(day.uptime)} uptime"
    if day.worst_status != ComponentStatus.OPERATIONAL:
        text += f", {component_status_label(day.worst_status).lower()}"
    if count := day.incident_count:
        named = ", ".join(
            f'<a href="{links["incident"]}{escape(i.public_id)}">{escape(i.title)}</a>'
            for i in day.incidents
        )
        text += f"; {count} incident{'' if count == 1 else 's'}: {named}"
    if more := day.more_incidents:
        text += f' <a href="{links["day"]}{day.date.isoformat()}">and {more} more</a>'
    return text
