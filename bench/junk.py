"""What junk requests cost the read path, beside the same number of plain ones.

    python -m bench junk [--requests 40] [--database-url URL]

gunicorn (2 sync workers) serves a fresh demo database with the default store (files
under a temporary VAR_DIR). One client sends, one at a time: `--requests` plain GETs of
`/` (the baseline, first and last), then as many of each kind of junk: a different
non-number `page` each time, a different page number past the last, a `TRACE`, and the
API's list with a different `per_page` each time. For each: the time it took beside
the baseline, the answers, and how many copies the store gained.
"""

import argparse
import http.client
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.readpath import environment, manage, start_gunicorn

KINDS = {
    "junk page values": lambda n: ("GET", f"/?page=x{n}"),
    "pages past the last": lambda n: ("GET", f"/?page={1000 + n}"),
    "TRACE /": lambda n: ("TRACE", "/"),
    "API, per_page 1..n": lambda n: ("GET", f"/api/v2/incidents.json?per_page={n % 100 + 1}"),
}


def send(base, method, path):
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
    connection.request(method, path, headers={"Accept-Encoding": "gzip"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def timed(base, requests):
    start = time.perf_counter()
    statuses = Counter(send(base, method, path) for method, path in requests)
    return time.perf_counter() - start, statuses


def stored_copies(var_dir):
    return len(list((Path(var_dir) / "cache" / "public").glob("*.djcache")))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench junk")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)
    count = args.requests
    with tempfile.TemporaryDirectory() as var_dir:
        env = environment(var_dir, args.database_url)
        manage(env, "migrate", "-v0")
        manage(env, "flush", "--no-input", "-v0")
        manage(env, "seed_demo")
        log = open(Path(var_dir) / "gunicorn.log", "ab")  # noqa: SIM115
        server, base = start_gunicorn(env, log)
        try:
            plain = [("GET", "/")] * count
            timed(base, plain)  # both workers warm, / stored
            first, _ = timed(base, plain)
            results = {}
            for kind, request in KINDS.items():
                before = stored_copies(var_dir)
                took, statuses = timed(base, [request(n) for n in range(count)])
                results[kind] = took, statuses, stored_copies(var_dir) - before
            last, _ = timed(base, plain)
        finally:
            server.terminate()
            server.wait(timeout=10)
    baseline = (first + last) / 2
    database = env["DATABASE_URL"].split(":")[0]
    print(f"Junk requests, {count} of each, one at a time (gunicorn, 2 workers; {database})")
    print(
        f"  {'plain GET / (stored)':22} {baseline * 1000:8.1f} ms"
        f" (first {first * 1000:.1f}, last {last * 1000:.1f})"
    )
    for kind, (took, statuses, gained) in results.items():
        answers = ", ".join(f"{n}× {status}" for status, n in sorted(statuses.items()))
        print(
            f"  {kind:22} {took * 1000:8.1f} ms = {took / baseline:5.1f}× plain"
            f"   answers: {answers}   copies stored: {gained}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
