"""Importing followers: how long a large file takes, and how long a post waits meanwhile.

    python -m bench imports [--rows 100000] [--database-url postgres://...]

`manage.py import_followers` runs in its own process on a generated file (one row in
ten with a component, 1% repeated addresses, 1% invalid ones) while this process posts
an update every half second, as an operator during an outage would. The baselines are
measured in the same run: the same rows written by a bare `bulk_create` (no checks, no
counts), before and after the import, and a post with no import running.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .fanout import ROOT, configure


def write_file(path, rows):
    """The file to import; returns the addresses it holds once each, validly."""
    lines, valid = ["email,components"], set()
    for n in range(rows):
        if n % 100 == 99:
            lines.append(f"not-an-address-{n},")
        elif n % 100 == 98:
            lines.append(f"Follower{n - 50}@Example.org,")  # a repeat, written otherwise
        else:
            lines.append(f"follower{n}@example.org,{'Network' if n % 10 == 0 else ''}")
            valid.add(f"follower{n}@example.org")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return valid


def forget_followers():
    from subscribers.models import Subscriber

    Subscriber.objects.all().delete()


def bare_insert(addresses):
    """The baseline: the same rows, prebuilt, written with nothing else to do."""
    from django.utils import timezone

    from subscribers.models import Subscriber

    now = timezone.now()
    rows = [Subscriber(email=a, confirmed_at=now, imported=True) for a in addresses]
    start = time.perf_counter()
    Subscriber.objects.bulk_create(rows, batch_size=1000)
    elapsed = time.perf_counter() - start
    forget_followers()
    return elapsed


def post(n):
    """One post, through the one write path; returns how long it took."""
    from incidents import services

    start = time.perf_counter()
    services.incident_open(title=f"Incident {n}", status="investigating", body="Looking.")
    return time.perf_counter() - start


def import_while_posting(path, log):
    """Run the import in its own process, posting every half second until it ends."""
    command = [sys.executable, "manage.py", "import_followers", str(path)]
    start = time.perf_counter()
    importer = subprocess.Popen(command, cwd=ROOT, env=os.environ, stdout=log, stderr=log)
    waits = []
    while importer.poll() is None:
        waits.append(post(len(waits)))
        time.sleep(0.5)
    elapsed = time.perf_counter() - start
    if importer.returncode != 0:
        raise RuntimeError("the import failed; see the log")
    return elapsed, waits


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench imports")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as var_dir:
        configure(args.database_url, Path(var_dir))
        from incidents import services
        from incidents.models import Component
        from subscribers.models import Subscriber

        services.component_save(component=Component(name="Network"))
        database = os.environ["DATABASE_URL"].split(":")[0]
        print(f"Follower import benchmark ({database}, {args.rows} rows)")
        path = Path(var_dir) / "followers.csv"
        addresses = write_file(path, args.rows)

        bare_before = bare_insert(addresses)
        alone = [post(n) for n in range(5)]
        with open(Path(var_dir) / "import.log", "ab") as log:
            elapsed, waits = import_while_posting(path, log)
        if Subscriber.objects.count() != len(addresses):
            raise RuntimeError("the import did not import every valid row")
        forget_followers()
        bare_after = bare_insert(addresses)
        bare = (bare_before + bare_after) / 2

        rate, median, longest = args.rows / elapsed, statistics.median(waits), max(waits)
        figure(
            f"bare bulk_create, {len(addresses)} rows:",
            f"{bare:6.1f} s (before {bare_before:.1f}, after {bare_after:.1f})",
        )
        figure(
            f"import_followers, {args.rows} rows:",
            f"{elapsed:6.1f} s total, {rate:.0f} rows/s = {elapsed / bare:.1f}x the bare "
            "insert (goal: < 60 s)",
        )
        figure("a post, nothing else running:", f"{statistics.median(alone) * 1000:6.0f} ms")
        figure(
            "a post during the import:",
            f"{median * 1000:6.0f} ms (median of {len(waits)}), "
            f"longest {longest * 1000:.0f} ms (goal: < 5 s)",
        )


def figure(label, value):
    print(f"  {label:<34}{value}")


if __name__ == "__main__":
    main(sys.argv[1:])
