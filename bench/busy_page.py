"""`/` at the density monitoring brings: its weight and render time, beside the demo's.

    python -m bench busy_page [--per-day 40] [--days 90] [--renders 15] [--database-url URL]

A fresh database gets the demo, and `/` is rendered (the view itself, no stored copy)
and weighed (gzip, level 6, as a web server sends it): the baseline. Then `--per-day`
incidents a day for `--days` days are added, as alerts would open them: each affects one
component for 20 minutes (a major outage and back, two posts); `/` is measured again,
and so is one busy day of `/history?day=`.
"""

import argparse
import datetime
import gzip
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from .fanout import configure


def add_busy_history(per_day, days):
    """Fixture data straight into the database, as alerts would leave it: `per_day`
    incidents of twenty minutes a day, each a major outage of one component and back
    (also the data of tests/test_busy_page.py's slow test)."""
    from django.utils import timezone

    from incidents.models import (
        Component,
        ComponentStatusChange,
        Incident,
        IncidentUpdate,
    )

    components = list(Component.objects.all())
    now = timezone.now()
    step = datetime.timedelta(days=1) / per_day
    starts = [now - datetime.timedelta(days=days) + step * n for n in range(per_day * days)]
    incidents = Incident.objects.bulk_create(
        [
            Incident(
                title=f"Alert {n}: probe failure on {components[n % len(components)].name}",
                status="resolved",
                impact="critical",
                started_at=start,
                resolved_at=start + datetime.timedelta(minutes=20),
            )
            for n, start in enumerate(starts)
        ],
        batch_size=2000,
    )
    Incident.components.through.objects.bulk_create(
        [
            Incident.components.through(
                incident=incident, component=components[n % len(components)]
            )
            for n, incident in enumerate(incidents)
        ],
        batch_size=2000,
    )
    updates = IncidentUpdate.objects.bulk_create(
        [
            IncidentUpdate(
                incident=incident,
                status=status,
                headline=headline,
                body=f"{headline}.",
                body_html=f"<p>{headline}.</p>",
                published_at=incident.started_at + datetime.timedelta(minutes=minutes),
                notify=False,
                went_live_at=now,
            )
            for incident in incidents
            for status, headline, minutes in (
                ("investigating", "Probe failing", 0),
                ("resolved", "Probe passing again", 20),
            )
        ],
        batch_size=2000,
    )
    ComponentStatusChange.objects.bulk_create(
        [
            ComponentStatusChange(
                component=components[(n // 2) % len(components)],
                update=update,
                old_status="operational" if n % 2 == 0 else "major_outage",
                new_status="major_outage" if n % 2 == 0 else "operational",
                changed_at=update.published_at,
            )
            for n, update in enumerate(updates)
        ],
        batch_size=2000,
    )
    return len(incidents)


def measure(path, renders):
    """Median render time of `path` (the view, no stored copy) and its gzipped size."""
    from django.test import RequestFactory
    from django.urls import resolve

    request = RequestFactory().get(path)
    view = resolve(request.path_info).func
    times, body = [], b""
    for _ in range(renders):
        start = time.perf_counter()
        response = view(request)
        body = response.content
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return statistics.median(times), len(gzip.compress(body, compresslevel=6)), len(body)


def report(label, figures, baseline=None):
    took, gzipped, raw = figures
    line = f"  {label:34} {gzipped / 1000:6.1f} KB gzipped ({raw / 1000:6.1f} KB raw)"
    line += f"   render {took * 1000:6.1f} ms"
    if baseline:
        line += f" = {took / baseline[0]:4.1f}x, {gzipped / baseline[1]:4.1f}x the demo's size"
    print(line)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench busy_page")
    parser.add_argument("--per-day", type=int, default=40)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--renders", type=int, default=15)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as var_dir:
        configure(args.database_url, Path(var_dir))
        from django.db import connection
        from django.utils import timezone

        from incidents.demo import load_demo

        load_demo()
        demo = measure("/", args.renders)
        count = add_busy_history(args.per_day, args.days)
        busy = measure("/", args.renders)
        day = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
        history_day = measure(f"/history?day={day}", args.renders)
        print(
            f"/ at {args.per_day} incidents a day for {args.days} days ({count} incidents; "
            f"{connection.vendor}; median of {args.renders} renders)"
        )
        report("demo data (baseline)", demo)
        report(f"{count} more incidents", busy, demo)
        report(f"/history?day={day}", history_day, demo)
        print("  goal: / under 50 KB gzipped, rendered in under 150 ms")


if __name__ == "__main__":
    main(sys.argv[1:])
