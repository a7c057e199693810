import math

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html

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
