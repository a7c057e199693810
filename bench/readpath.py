"""The public read path under load, beside a static file served the same way.

    python -m bench readpath [--seconds 10] [--incidents 10000] [--database-url URL]

gunicorn (2 sync workers, whitenoise) serves a fresh demo database; wrk (Debian's
`wrk`, 50 connections) loads each URL in turn: a static file first and last (the
baseline; this machine is noisy), then `/`, `/api/v2/summary.json`, `/history.rss`.
The same again after adding 10,000 incidents. Requests carry `Accept-Encoding: gzip`,
as browsers do.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.fanout import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
URLS = ["/", "/api/v2/summary.json", "/history.rss"]


def environment(var_dir, database_url):
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "statuspage.settings",
        "VAR_DIR": str(var_dir),
        "SECRET_KEY": "bench-" * 10,
        "DATABASE_URL": database_url or f"sqlite:///{var_dir}/bench.sqlite3",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "2",
    }


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def start_gunicorn(env, log):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "statuspage/gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "statuspage.wsgi",
        ],
        cwd=ROOT,
        env=env | {"PORT": str(port)},
        stdout=log,
        stderr=log,
    )
    wait_for_port(port, timeout=30)
    return process, f"http://127.0.0.1:{port}"


def static_path(base):
    html = urllib.request.urlopen(f"{base}/", timeout=10).read().decode()
    return re.search(r'href="(/static/[^"]+\.css)"', html).group(1)


def wrk(url, seconds):
    output = subprocess.run(
        ["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", "-H", "Accept-Encoding: gzip", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _latency_ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1))
    p99 = _latency_ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, p50, p99, int(errors.group(1)) if errors else 0


def _latency_ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def measure(base, seconds, label):
    for path in [*URLS, static_path(base)]:
        urllib.request.urlopen(f"{base}{path}", timeout=10).read()  # warm
    static = static_path(base)
    first = wrk(base + static, seconds)
    results = {path: wrk(base + path, seconds) for path in URLS}
    last = wrk(base + static, seconds)
    baseline = (first[0] + last[0]) / 2
    print(f"  {label}")
    print(
        f"    {'static file':24} {baseline:8.0f} req/s (first {first[0]:.0f}, last {last[0]:.0f})"
        f"   p50 {first[1]:6.2f} ms   p99 {first[2]:6.2f} ms"
    )
    for path, (rate, p50, p99, errors) in results.items():
        print(
            f"    {path:24} {rate:8.0f} req/s = {rate / baseline:4.0%} of static"
            f"   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   errors {errors}"
        )


def add_incidents(env, count):
    """Fixture data straight into the database: `count` resolved incidents, 2 posts each."""
    script = f"""
import datetime
from django.utils import timezone
from incidents.models import Incident, IncidentUpdate
from public_store import store
start = timezone.now() - datetime.timedelta(days=400)
incidents = Incident.objects.bulk_create(
    [Incident(title=f"Incident {{n}}", status="resolved", impact="minor",
              started_at=start + datetime.timedelta(minutes=30 * n),
              resolved_at=start + datetime.timedelta(minutes=30 * n + 20)) for n in range({count})],
    batch_size=2000)
now = timezone.now()
IncidentUpdate.objects.bulk_create(
    [IncidentUpdate(incident=i, status=s, body=f"{{s}}.", body_html=f"<p>{{s}}.</p>",
                    published_at=i.started_at + datetime.timedelta(minutes=m),
                    notify=False, went_live_at=now)
     for i in incidents for s, m in (("investigating", 0), ("resolved", 20))], batch_size=2000)
store.invalidate()
"""
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", script], cwd=ROOT, env=env, check=True
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench readpath")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as var_dir:
        env = environment(var_dir, args.database_url)
        manage(env, "migrate", "-v0")
        manage(env, "flush", "--no-input", "-v0")
        manage(env, "seed_demo")
        log = open(Path(var_dir) / "gunicorn.log", "ab")  # noqa: SIM115
        server, base = start_gunicorn(env, log)
        try:
            database = env["DATABASE_URL"].split(":")[0]
            print(f"Read path under load (gunicorn, 2 workers; wrk, 50 connections; {database})")
            measure(base, args.seconds, "demo data")
            add_incidents(env, args.incidents)
            time.sleep(1)
            measure(base, args.seconds, f"with {args.incidents} more incidents")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main(sys.argv[1:])
