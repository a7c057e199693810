"""Daily uptime of components, from their applied status-change history.

The reference's formula, per day: `uptime = 1 - (m + 0.3 * p) / seconds_in_window`,
with m and p the seconds spent in major and partial outage (degraded performance and
maintenance are not downtime). Days are calendar days in the page's time zone; today's
window ends now. A component is counted from the day of its start_date (when monitoring
began) or, without one, the day it was created or first changed status, whichever is
earlier (history can be backfilled); days before that have no uptime (None), not 100%.
"""

import datetime
import zoneinfo
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from .models import Component, ComponentStatus, ComponentStatusChange

DAYS = 90
PARTIAL_WEIGHT = 0.3
_OUTAGES = (ComponentStatus.PARTIAL_OUTAGE, ComponentStatus.MAJOR_OUTAGE)


@dataclass(frozen=True)
class DayUptime:
    date: datetime.date
    uptime: float | None  # None: the component was not monitored yet
    partial_outage_seconds: int
    major_outage_seconds: int


@dataclass(frozen=True)
class ComponentUptime:
    component: Component
    days: list[DayUptime]  # oldest first
    uptime: float | None  # over the counted part of the period


def uptime(monitored: float, partial: float, major: float) -> float:
    return 1 - (major + PARTIAL_WEIGHT * partial) / monitored


def daily_uptime(
    components: list[Component], *, days: int = DAYS, now: datetime.datetime | None = None
) -> list[ComponentUptime]:
    """Each component's uptime for the last `days` days (today included), in two queries."""
    now = now or _this_minute()
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    today = now.astimezone(zone).date()
    dates = [today - datetime.timedelta(days=n) for n in range(days - 1, -1, -1)]
    # Day boundaries in UTC: a day around a DST change lasts 23 or 25 hours.
    bounds = [_day_start(date, zone) for date in dates] + [now]
    history, first_change = _history([c.pk for c in components], bounds[0])
    return [
        _component_uptime(
            component, dates, bounds, history[component.pk], first_change.get(component.pk), zone
        )
        for component in components
    ]


def _this_minute() -> datetime.datetime:
    # Today's figures change by the second during an outage; to the minute, a page showing
    # them can be cached and revalidated.
    return timezone.now().replace(second=0, microsecond=0)


def _day_start(date: datetime.date, zone) -> datetime.datetime:
    return datetime.datetime.combine(date, datetime.time(), zone).astimezone(datetime.UTC)


def _history(component_ids, start):
    # Changes after `now` are read too: the first one's old status is the status until then.
    applied = ComponentStatusChange.objects.applied().filter(component_id__in=component_ids)
    history = defaultdict(list)
    rows = applied.filter(changed_at__gte=start).order_by("component_id", "changed_at", "id")
    for component_id, *change in rows.values_list(
        "component_id", "changed_at", "old_status", "new_status"
    ):
        history[component_id].append(change)
    first = dict(
        applied.order_by()
        .values("component_id")
        .annotate(at=Min("changed_at"))
        .values_list("component_id", "at")
    )
    return history, first


def _component_uptime(component, dates, bounds, changes, first_change, zone):
    existed_from = _existed_from(component, first_change, zone)
    counted_from = _day_start(existed_from.astimezone(zone).date(), zone)
    outage = {status: [0.0] * len(dates) for status in _OUTAGES}
    for status, start, end in _periods(component, changes, bounds[0], bounds[-1]):
        if status in outage:
            _spread(outage[status], bounds, max(start, existed_from), end)
    partial, major = outage[ComponentStatus.PARTIAL_OUTAGE], outage[ComponentStatus.MAJOR_OUTAGE]
    result, monitored_total = [], 0.0
    for i, date in enumerate(dates):
        monitored = (bounds[i + 1] - max(bounds[i], counted_from)).total_seconds()
        if monitored <= 0:
            result.append(DayUptime(date, None, 0, 0))
            continue
        monitored_total += monitored
        day = uptime(monitored, partial[i], major[i])
        result.append(DayUptime(date, day, round(partial[i]), round(major[i])))
    period = uptime(monitored_total, sum(partial), sum(major)) if monitored_total else None
    return ComponentUptime(component, result, period)


def _existed_from(component, first_change, zone):
    if component.start_date:
        return _day_start(component.start_date, zone)
    return min(filter(None, [component.created_at, first_change]))


def _periods(component, changes, start, end):
    """(status, from, until) covering [start, end], from the changes in that window."""
    status = changes[0][1] if changes else component.status
    for changed_at, _old, new in changes:
        yield status, start, changed_at
        status, start = new, changed_at
    yield status, start, end


def _spread(day_seconds, bounds, start, end):
    """Add the seconds of [start, end] to the days they fall in."""
    i = max(bisect_right(bounds, start) - 1, 0)
    while i < len(day_seconds) and bounds[i] < end:
        overlap = min(end, bounds[i + 1]) - max(start, bounds[i])
        day_seconds[i] += max(overlap.total_seconds(), 0.0)
        i += 1
