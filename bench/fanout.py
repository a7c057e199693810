"""Followers' mail: fan-out throughput, publishing time, worker memory.

    python -m bench fanout [--followers 10000] [--memory-followers 100000]
                           [--database-url postgres://...]

Everything runs against a real SMTP server on loopback (aiosmtpd's discarding sink,
in its own process) and a fresh database (a temporary SQLite file by default). The
baseline is measured in the same run: a bare script sending the very same messages
over one SMTP connection, with nothing else to do.
"""

import argparse
import os
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def configure(database_url, var_dir, **environment):
    """Django in this process, on an empty database (SQLite under var_dir unless
    database_url), with `environment` on top of the benchmarks' settings."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="statuspage.settings",
        VAR_DIR=str(var_dir),
        SECRET_KEY="bench-" * 10,
        CACHE_URL="locmemcache://",
        LOG_LEVEL="WARNING",
        DATABASE_URL=database_url or f"sqlite:///{var_dir}/bench.sqlite3",
        **environment,
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", verbosity=0, interactive=False)


def set_followers(count):
    """Exactly `count` confirmed followers (bulk fixture data, not a product write)."""
    from django.utils import timezone

    from subscribers.models import Subscriber

    Subscriber.objects.all().delete()
    now = timezone.now()
    batch = [Subscriber(email=f"follower{n}@example.org", confirmed_at=now) for n in range(count)]
    Subscriber.objects.bulk_create(batch, batch_size=5000)


def publish(title="Network problem", notify=True):
    from incidents import services

    body = "We're looking into it."
    return services.incident_open(title=title, status="investigating", body=body, notify=notify)


def reset():
    """Forget incidents, mail and queued tasks of the previous phase."""
    from django_tasks_db.models import DBTaskResult

    from incidents.models import Incident

    Incident.objects.all().delete()
    DBTaskResult.objects.all().delete()


def raw_rate(port, count):
    """The baseline: the same mails, prebuilt, over one connection, nothing else."""
    from subscribers.emails import PostMail
    from subscribers.models import Subscriber

    post = PostMail(publish("Baseline", notify=False))
    mails = [post.for_follower(s) for s in Subscriber.objects.all()[:count]]
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as connection:
        for mail in mails:
            connection.sendmail(mail.sender, [mail.recipient], mail.data)
    return len(mails) / (time.perf_counter() - start)


def start_worker(log):
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker"],
        cwd=ROOT,
        stdout=log,
        stderr=log,
        env=os.environ,
    )


def sent_count(notification):
    from subscribers.models import DeliveryState

    return notification.deliveries.filter(state=DeliveryState.SENT).count()


def worker_run(count, log):
    """Publish with a warm, idle worker; time until the last mail is accepted."""
    from subscribers.models import Notification

    worker = start_worker(log)
    time.sleep(3)  # let it start and go idle
    try:
        start = time.perf_counter()
        notification = Notification.objects.get(update=publish())
        peak = 0
        while sent_count(notification) < count:
            peak = max(peak, rss_peak_kb(worker.pid))
            if worker.poll() is not None:
                raise RuntimeError("the worker died; see the log")
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
        first, last = sending_window(notification)
        return elapsed, last - first, max(peak, rss_peak_kb(worker.pid))
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def sending_window(notification):
    from django.db.models import Max, Min

    window = notification.deliveries.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    return window["first"].timestamp(), window["last"].timestamp()


def rss_peak_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def publish_time(followers, runs=15):
    set_followers(followers)
    return open_incident_time(runs)


def open_incident_time(runs=15):
    """Median time (ms) of the admin's "open incident" request, through the whole stack."""
    from django.contrib.auth.models import User
    from django.test import Client

    user = User.objects.filter(username="bench").first() or User.objects.create_superuser(
        "bench", "bench@example.org", "bench-password"
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    times = []
    for n in range(runs):
        data = {"title": f"Incident {n}", "kind": "incident", "impact": "minor"}
        data |= {"status": "investigating", "body": "Looking into it.", "notify": "auto"}
        start = time.perf_counter()
        response = client.post("/admin/incidents/incident/add/", data)
        times.append(time.perf_counter() - start)
        assert response.status_code == 302, response.status_code
    return statistics.median(times) * 1000


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench fanout")
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--memory-followers", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)

    port = free_port()
    sink = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ]
    )
    try:
        wait_for_port(port)
        with tempfile.TemporaryDirectory() as var_dir:
            configure(args.database_url, Path(var_dir), EMAIL_URL=f"smtp://127.0.0.1:{port}")
            log = open(Path(var_dir) / "worker.log", "ab")  # noqa: SIM115
            database = os.environ["DATABASE_URL"].split(":")[0]
            print(f"Fan-out benchmark ({database}, SMTP sink on loopback)")

            set_followers(args.followers)
            # The baseline before and after the worker's run: this machine is noisy.
            raw_before = raw_rate(port, args.followers)
            reset()
            elapsed, window, _ = worker_run(args.followers, log)
            reset()
            raw_after = raw_rate(port, args.followers)
            raw = (raw_before + raw_after) / 2
            rate = args.followers / elapsed
            print(
                f"  bare SMTP script, one connection:  {raw:8.0f} messages/s "
                f"(before {raw_before:.0f}, after {raw_after:.0f})"
            )
            print(
                f"  worker, {args.followers} followers:       {elapsed:8.1f} s total, "
                f"{rate:.0f} messages/s = {rate / raw:.0%} of the bare script (goal: >= 60%)"
            )
            print(
                f"    of which sending, first to last mail: {window:.1f} s, "
                f"{args.followers / window:.0f} messages/s"
            )

            reset()
            small, large = publish_time(10), publish_time(args.followers)
            print(f"  publishing request, 10 followers:     {small:6.1f} ms (median)")
            print(f"  publishing request, {args.followers} followers: {large:6.1f} ms (median)")

            reset()
            set_followers(args.memory_followers)
            elapsed, _, peak_kb = worker_run(args.memory_followers, log)
            print(
                f"  worker, {args.memory_followers} followers:      {elapsed:8.1f} s total, "
                f"peak memory {peak_kb / 1024:.0f} MB (goal: < 200 MB)"
            )
    finally:
        sink.terminate()


if __name__ == "__main__":
    main(sys.argv[1:])
