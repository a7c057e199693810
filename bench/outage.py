"""Sixty seconds of load on `/` while PostgreSQL is stopped and started again.

    python -m bench outage [--seconds 60]

A private PostgreSQL cluster (initdb in a temporary directory, its own port, run as the
`postgres` user) so that stopping it disturbs nothing else on the machine. gunicorn (2
workers) and the worker serve the demo; wrk loads `/` for the whole run; the database
is stopped a quarter of the way in and started again at two thirds. Prints the 5xx
count (the goal: zero), what visitors saw meanwhile, and how long recovery took.
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.fanout import free_port
from bench.readpath import ROOT, environment, manage, start_gunicorn


class PrivatePostgres:
    def __init__(self, directory):
        self.bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        self.data = Path(directory) / "pgdata"
        self.port = free_port()
        self.data.mkdir()
        shutil.chown(directory, "postgres")
        shutil.chown(self.data, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, tool, *args):
        command = ["runuser", "-u", "postgres", "--", f"{self.bin}/{tool}", *args]
        subprocess.run(command, check=True, capture_output=True)

    def start(self):
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", f"{self.data}/log", "-w", "start"
        )

    def stop(self):
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench outage")
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args(argv)
    if os.geteuid() != 0 or not shutil.which("wrk"):
        sys.exit("needs root (to run PostgreSQL as its user) and wrk (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as directory:
        postgres = PrivatePostgres(directory)
        postgres.start()
        env = environment(directory, postgres.url) | {"PUBLIC_REFRESH_SECONDS": "5"}
        manage(env, "migrate", "-v0")
        manage(env, "seed_demo")
        log = open(Path(directory) / "processes.log", "ab")  # noqa: SIM115
        server, base = start_gunicorn(env, log)
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        try:
            time.sleep(3)
            fetch(f"{base}/")
            window = f"{args.seconds // 4} s to {args.seconds * 2 // 3} s"
            print(
                f"Outage under load: {args.seconds} s of wrk on / (50 connections), "
                f"PostgreSQL stopped from {window}"
            )
            run = subprocess.Popen(
                ["wrk", "-t2", "-c50", f"-d{args.seconds}s", "--latency", f"{base}/"],
                stdout=subprocess.PIPE,
                text=True,
            )
            seen = _outage(postgres, base, args.seconds)
            output = run.communicate()[0]
        finally:
            server.terminate()
            worker.terminate()
            server.wait(timeout=10)
            worker.wait(timeout=30)
            postgres.stop()
    total = re.search(r"(\d+) requests in", output).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    p99 = re.search(r"99%\s+([\d.]+\w+)", output).group(1)
    print(f"  requests: {total}, non-2xx: {errors.group(1) if errors else 0} (goal: 0), p99 {p99}")
    for line in seen:
        print(f"  {line}")


def _outage(postgres, base, seconds):
    """Stop and start the database on schedule; note what / and /healthz said."""
    seen = []
    time.sleep(seconds / 4)
    postgres.stop()
    stopped = time.monotonic()
    time.sleep(min(10, seconds / 3))
    status, page = fetch(f"{base}/")
    health, _ = fetch(f"{base}/healthz")
    seen.append(
        f"database down {time.monotonic() - stopped:.0f} s: / answered {status}, "
        f"note shown: {'may be out of date' in page}, /healthz {health}"
    )
    time.sleep(max(0, seconds * 2 / 3 - seconds / 4 - (time.monotonic() - stopped)))
    postgres.start()
    started = time.monotonic()
    while "may be out of date" in fetch(f"{base}/")[1] and time.monotonic() - started < 60:
        time.sleep(0.5)
    seen.append(
        f"database back: the note was gone after {time.monotonic() - started:.1f} s, "
        f"/healthz {fetch(f'{base}/healthz')[0]}"
    )
    return seen


if __name__ == "__main__":
    main(sys.argv[1:])
