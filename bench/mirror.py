"""What a post costs the static mirrors, on a site with 1,000 incidents.

    python -m bench mirror [--incidents 1000] [--database-url URL]

The demo plus 1,000 closed incidents (two posts each); two targets, as MIRROR_URL would
name them: a directory and S3-compatible storage (moto's S3 server on loopback). The
baseline is the first publish of the whole site, in the same run; then one follow-up to
an open incident, and one new incident, each published as the worker does after a post.
Prints the time and the objects written to each target.
"""

import argparse
import os
import sys
import tempfile
import time

from bench.fanout import ROOT, free_port
from bench.readpath import add_incidents, environment, manage


def configure(var_dir, database_url):
    os.environ.update(environment(var_dir, database_url) | {"LOG_LEVEL": "ERROR"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def s3_target():
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs each request
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench-secret")
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
        Bucket="mirror"
    )
    return server, f"s3://mirror/status?endpoint_url={endpoint}&region=us-east-1"


def publish(targets):
    from public_store import mirrors

    started = time.perf_counter()
    outcomes = mirrors.publish(targets)
    seconds = time.perf_counter() - started
    for url, outcome in outcomes.items():
        if isinstance(outcome, Exception):
            sys.exit(f"{url}: {outcome}")
    return seconds, outcomes


def report(label, seconds, outcomes, baseline=None):
    share = f" = {seconds / baseline:4.0%} of the first" if baseline else ""
    print(f"  {label:34} {seconds:6.2f} s{share}")
    for url, result in outcomes.items():
        kind = url.split(":", 1)[0]
        print(
            f"    {kind:5} {result.objects:6} objects, {len(result.written):5} written, "
            f"{len(result.removed):3} removed"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench mirror")
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as var_dir:
        env = environment(var_dir, args.database_url)
        manage(env, "migrate", "-v0")
        manage(env, "flush", "--no-input", "-v0")
        manage(env, "seed_demo")
        add_incidents(env, args.incidents)
        configure(var_dir, args.database_url)
        from incidents import services

        server, s3 = s3_target()
        targets = [f"file://{var_dir}/mirror", s3]
        database = os.environ["DATABASE_URL"].split(":")[0]
        print(
            f"Mirror benchmark ({database}, the demo + {args.incidents} incidents; "
            "a directory and S3 on loopback, published together)"
        )
        try:
            opened = services.incident_open(title="Cable cut", status="investigating", body="?")
            first, outcomes = publish(targets)
            report("first publish, the whole site", first, outcomes)
            services.update_create(incident=opened.incident, status="identified", body="Found.")
            report("one post (a follow-up)", *publish(targets), baseline=first)
            services.incident_open(title="Power failure", status="investigating", body="UPS.")
            report("one post (a new incident)", *publish(targets), baseline=first)
        finally:
            server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
