from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html

register = template.Library()


@register.filter
def timetag(value, style="long"):
    """A <time> element: ISO 8601 for machines, the page's time zone (named) for people."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    pattern = "j M Y, H:i T" if style == "long" else "H:i T"
    return format_html(
        '<time datetime="{}">{}</time>', local.isoformat(), format_date(local, pattern)
    )


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
