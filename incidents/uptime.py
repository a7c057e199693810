"""Daily uptime of components, from their applied status-change history.

The reference's formula, per day: `uptime = 1 - (m + 0.3 * p) / seconds_in_window`,
with m and p the seconds spent in major and partial outage (degraded performance and
maintenance are not downtime). Days are calendar days in the page's time zone; today's
window ends now. A component is counted from the day of its start_date (when monitoring
began) or, without one, the day it was created or first changed status, whichever is
earlier (history can be backfilled); days before that have no uptime (None), not 100%.

`uptime_history()` adds what the page's daily bars show: each day's worst status and
the public incidents that affected the component that day (the first few of them, and
how many in all: a day of alerts may have dozens, and the page stays light).
"""

import datetime
import zoneinfo
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone

from .models import (
    COMPONENT_SEVERITY,
    Component,
    ComponentStatus,
    ComponentStatusChange,
    Incident,
    IncidentRow,
    IncidentStatus,
    worst_status,
)

DAYS = 90
PARTIAL_WEIGHT = 0.3
# Incidents named per day and component; the others are counted ("and 7 more").
INCIDENTS_SHOWN_PER_DAY = 3


@dataclass(frozen=True)
class DayUptime:
    date: datetime.date
    uptime: float | None  # None: the component was not monitored yet
    partial_outage_seconds: int
    major_outage_seconds: int
    worst_status: str | None = None  # None when not monitored
    monitored_seconds: float = 0.0
    incidents: tuple[IncidentRow, ...] = ()  # the first few, newest first (uptime_history())
    incident_count: int = 0  # all of them

    @property
    def more_incidents(self) -> int:
        return self.incident_count - len(self.incidents)


@dataclass(frozen=True)
class ComponentUptime:
    component: Component
    days: list[DayUptime]  # oldest first
    uptime: float | None  # over the counted part of the period

    def uptime_over_last(self, days: int) -> float | None:
        """Uptime over the last `days` days (a shorter period, as narrow screens show)."""
        recent = self.days[-days:]
        monitored = sum(day.monitored_seconds for day in recent)
        if not monitored:
            return None
        partial = sum(day.partial_outage_seconds for day in recent)
        return uptime(monitored, partial, sum(day.major_outage_seconds for day in recent))


def uptime(monitored: float, partial: float, major: float) -> float:
    return 1 - (major + PARTIAL_WEIGHT * partial) / monitored


def daily_uptime(
    components: list[Component], *, days: int = DAYS, now: datetime.datetime | None = None
) -> list[ComponentUptime]:
    """Each component's uptime for the last `days` days (today included), in two queries."""
    zone, dates, bounds = _window(days, now or _this_minute())
    history, first_change = _history([c.pk for c in components], bounds[0])
    return [
        _component_uptime(
            component, dates, bounds, history[component.pk], first_change.get(component.pk), zone
        )
        for component in components
    ]


def uptime_history(
    components: list[Component],
    *,
    days: int = DAYS,
    now: datetime.datetime | None = None,
    shown: int = INCIDENTS_SHOWN_PER_DAY,
) -> list[ComponentUptime]:
    """daily_uptime(), each day with the public incidents that affected the component then:
    the first `shown` of them (newest first) and how many in all.

    Three queries in all, whatever the number of components, days and incidents.
    """
    # Not rounded to the minute: a page rendered right after a change must show it today.
    now = now or timezone.now()
    report = daily_uptime(components, days=days, now=now)
    _zone, _dates, bounds = _window(days, now)
    found = _incidents_by_day([c.pk for c in components], bounds, shown)
    return [
        replace(
            entry,
            days=[
                replace(day, incidents=tuple(found[key][1]), incident_count=found[key][0])
                if (key := (entry.component.pk, i)) in found
                else day
                for i, day in enumerate(entry.days)
            ],
        )
        for entry in report
    ]


def _window(days, now):
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    today = now.astimezone(zone).date()
    dates = [today - datetime.timedelta(days=n) for n in range(days - 1, -1, -1)]
    # Day boundaries in UTC: a day around a DST change lasts 23 or 25 hours.
    return zone, dates, [_day_start(date, zone) for date in dates] + [now]


def _incidents_by_day(component_ids, bounds, shown):
    """{(component id, day index): (count, [the first `shown` incidents active that day])},
    newest first."""
    links = (
        Incident.components.through.objects.filter(
            component_id__in=component_ids, incident__in=Incident.objects.public()
        )
        .filter(Q(incident__resolved_at__isnull=True) | Q(incident__resolved_at__gte=bounds[0]))
        .order_by("-incident__started_at", "-incident_id")
        .values_list("component_id", *IncidentRow.fields("incident__"))
    )
    counts, listed = Counter(), defaultdict(list)
    for component_id, *values in links:
        incident = IncidentRow(*values)
        for i in _days_touched(bounds, *_active_period(incident, bounds[-1])):
            key = (component_id, i)
            counts[key] += 1
            if len(listed[key]) < shown:
                listed[key].append(incident)
    return {key: (count, listed[key]) for key, count in counts.items()}


def _active_period(incident, now):
    start = incident.began_at  # a maintenance counts from its window, not its announcement
    if incident.resolved_at:
        return start, incident.resolved_at
    if incident.status == IncidentStatus.SCHEDULED:
        return start, incident.scheduled_until or start  # as planned: not started by hand
    return start, now if incident.is_open else start


def _days_touched(bounds, start, end):
    """Indexes of the days that [start, end] overlaps; an instant touches its own day."""
    days = len(bounds) - 1
    if end <= start:
        day = bisect_right(bounds, start) - 1
        return range(day, day + 1) if 0 <= day < days else range(0)
    return range(max(bisect_right(bounds, start) - 1, 0), min(bisect_left(bounds, end), days))


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
    seconds = {status: [0.0] * len(dates) for status in COMPONENT_SEVERITY}
    for status, start, end in _periods(component, changes, bounds[0], bounds[-1]):
        if status in seconds:
            _spread(seconds[status], bounds, max(start, existed_from), end)
    partial = seconds[ComponentStatus.PARTIAL_OUTAGE]
    major = seconds[ComponentStatus.MAJOR_OUTAGE]
    result, monitored_total = [], 0.0
    for i, date in enumerate(dates):
        monitored = (bounds[i + 1] - max(bounds[i], counted_from)).total_seconds()
        if monitored <= 0:
            result.append(DayUptime(date, None, 0, 0))
            continue
        monitored_total += monitored
        day = uptime(monitored, partial[i], major[i])
        # The day's bar takes the colour of the worst status it saw; a day with no recorded
        # time at all (e.g. today at midnight) counts as operational.
        worst = worst_status(status for status in COMPONENT_SEVERITY if seconds[status][i] > 0)
        result.append(DayUptime(date, day, round(partial[i]), round(major[i]), worst, monitored))
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
