"""Break glass across a real PostgreSQL stop and start: the whole product (gunicorn, the
worker, a directory mirror, mail to a real SMTP server) on a private cluster, so that
stopping it disturbs nothing else. While the database is down, `post_update` succeeds and
its posts are on the public pages and the mirror within 10 s; once it is back they are
in the database exactly once, followers are mailed, also when the worker is killed in
the middle of the replay."""

import contextlib
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection

from bench.outage import PrivatePostgres
from bench.readpath import start_gunicorn

from .smtp_sink import SMTPSink

ROOT = Path(__file__).resolve().parent.parent
DEGRADED = "Posted while our systems were degraded"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0 or not glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        reason="needs root and PostgreSQL's server binaries, to run a private cluster as the "
        "postgres user (as CI does)",
    ),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="runs once, with the PostgreSQL suite (it brings its own cluster)",
    ),
]
SETUP = """
from incidents import services
from incidents.models import Component
from subscribers import services as followers
network = services.component_save(component=Component(name="Network", position=0))
update = services.incident_open(title="Cable cut", status="investigating", body="Looking.",
                                component_changes={network: "major_outage"})
followers.subscriber_confirm(subscriber=followers.subscriber_subscribe(
    email="ada@example.org", components=[], groups=[]))
print(update.incident.public_id)
"""
MANY_POSTS = """
from incidents import services
for n in range({count}):
    services.journal_post(incident_id="{incident}", status="monitoring", headline=f"Check {{n}}",
                          body="Watching.")
"""


def manage(env, *args, check=True):
    command = [sys.executable, "manage.py", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    if check and result.returncode:
        raise AssertionError(f"{args[0]} failed: {result.stderr[-2000:]}")
    return result


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:
        return error.read().decode()


def wait_until(condition, timeout, what):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s: {what}")


def query(postgres, sql, *params):
    with psycopg.connect(postgres.url, connect_timeout=3) as database:
        return database.execute(sql, params).fetchall()


@pytest.fixture
def product():
    """A private cluster, the web server and the worker, with a mirror and mail."""
    directory = tempfile.mkdtemp(prefix="break-glass-")  # postgres must reach its files
    postgres = PrivatePostgres(directory)
    postgres.start()
    sink = SMTPSink().start()
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "statuspage.settings",
        "DATABASE_URL": postgres.url,
        "VAR_DIR": f"{directory}/var",
        "SECRET_KEY": "break-glass-" * 5,
        "MIRROR_URL": f"file://{directory}/mirror",
        "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "1",
    }
    manage(env, "migrate", "-v0")
    log = open(Path(directory) / "processes.log", "ab")  # noqa: SIM115
    product = SimpleNamespace(
        postgres=postgres,
        env=env,
        directory=Path(directory),
        incident=manage(env, "shell", "-v0", "-c", SETUP).stdout.strip(),
        sink=sink,
        processes={},
    )

    def start_worker():
        command = [sys.executable, "manage.py", "run_worker"]
        product.worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        product.processes[product.worker.pid] = product.worker

    product.start_worker = start_worker
    web, product.base = start_gunicorn(env, log)
    product.processes[web.pid] = web
    start_worker()
    try:
        yield product
    finally:
        for process in product.processes.values():
            process.terminate()
            process.wait(timeout=30)
        sink.stop()
        with contextlib.suppress(subprocess.CalledProcessError):
            postgres.stop()  # unless a failed test left it stopped
        shutil.rmtree(directory, ignore_errors=True)


def replayed(postgres):
    return query(postgres, "SELECT count(*) FROM public_store_journalreplay")[0][0]


def test_posting_across_a_real_postgresql_stop_and_start(product):
    postgres, env, base, incident = product.postgres, product.env, product.base, product.incident
    mirror = product.directory / "mirror" / "index.html"
    wait_until(lambda: mirror.is_file() and "Cable cut" in mirror.read_text(), 30, "mirror")
    postgres.stop()
    follow_up = manage(
        env,
        *("post_update", "--incident", incident, "--status", "identified"),
        *("--headline", "Cable found", "--body", "Splicing it now."),
        *("--component", "Network=partial_outage"),
    )
    opened = manage(
        env,
        "post_update",
        "--title",
        "Power failure",
        "--status",
        "investigating",
        "--body",
        "On generators.",
    )
    assert follow_up.stdout.strip().endswith(f"/incidents/{incident}")
    assert "journal" in follow_up.stderr and opened.returncode == 0

    def public():
        home = fetch(f"{base}/")
        return DEGRADED in home and "Cable found" in home and "On generators." in home

    wait_until(public, 10, "the journal's posts on the public pages")
    assert "Cable found" in fetch(f"{base}/incidents/{incident}")
    wait_until(lambda: "On generators." in mirror.read_text(), 10, "the posts on the mirror")
    health = json.loads(fetch(f"{base}/healthz"))
    assert health["journal"]["pending"] == 2 and health["database"]["ok"] is False

    postgres.start()
    wait_until(lambda: replayed(postgres) == 2, 30, "the replay")
    headline = "SELECT count(*) FROM incidents_incidentupdate WHERE headline = %s"
    assert query(postgres, headline, "Cable found") == [(1,)]
    title = "SELECT count(*) FROM incidents_incident WHERE title = %s"
    assert query(postgres, title, "Power failure") == [(1,)]
    wait_until(lambda: DEGRADED not in fetch(f"{base}/"), 10, "the pages without the journal")
    assert "Cable found" in fetch(f"{base}/")

    def mailed(text):
        return any(text.encode() in data for _, data in product.sink.raw)

    wait_until(lambda: mailed("Splicing it now.") and mailed("On generators."), 30, "mail")


def test_a_worker_killed_during_the_replay_leaves_exactly_one_copy(product):
    postgres, count = product.postgres, 60
    postgres.stop()
    script = MANY_POSTS.format(count=count, incident=product.incident)
    manage(product.env, "shell", "-v0", "-c", script)
    postgres.start()
    wait_until(lambda: replayed(postgres) > 0, 30, "the replay to start")
    product.worker.send_signal(signal.SIGKILL)
    product.worker.wait()
    assert replayed(postgres) < count, "the replay ended before the worker was killed"
    product.start_worker()
    wait_until(lambda: replayed(postgres) == count, 30, "the rest of the replay")
    copies = query(
        postgres,
        "SELECT headline, count(*) FROM incidents_incidentupdate "
        "WHERE headline LIKE 'Check %%' GROUP BY headline",
    )
    assert sorted(copies) == sorted((f"Check {n}", 1) for n in range(count))
