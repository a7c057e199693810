"""Webhook followers: fan-out time, publishing time, worker memory.

    python -m bench webhooks [--followers 10000] [--database-url postgres://...]

A real HTTP receiver on loopback (an asyncio server in its own process, answering 200 to
every POST), a fresh database (a temporary SQLite file by default) and the real worker
(`manage.py run_worker`). The baseline is measured in the same run: a bare script
posting the same number of signed bodies to the same receiver with the same limits
(httpcore, WEBHOOK_PER_HOST connections), with nothing else to do.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .fanout import (
    ROOT,
    configure,
    free_port,
    open_incident_time,
    reset,
    rss_peak_kb,
    wait_for_port,
)

RECEIVER = """
import asyncio, sys
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            length = 0
            for line in head.split(b"\\r\\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\\r\\ncontent-length: 0\\r\\n\\r\\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=1024)
    await server.serve_forever()
asyncio.run(main())
"""


def set_hooks(count, port):
    """Exactly `count` confirmed webhook followers on the local receiver (fixture data)."""
    from django.utils import timezone

    from subscribers.channels.signing import new_secret
    from subscribers.models import Subscriber

    Subscriber.objects.all().delete()
    now, secret = timezone.now(), new_secret()
    Subscriber.objects.bulk_create(
        (
            Subscriber(
                kind="webhook",
                url=f"http://127.0.0.1:{port}/hook/{n}",
                secret=secret,
                confirmed_at=now,
            )
            for n in range(count)
        ),
        batch_size=5000,
    )


def publish(title="Network problem", notify=True):
    from incidents import services

    body = "We're looking into it."
    return services.incident_open(title=title, status="investigating", body=body, notify=notify)


def baseline_rate(port, count, per_host):
    """Posts per second of a bare httpcore script: same receiver, bodies, limits."""
    import httpcore

    from subscribers.channels import signing

    body = b'{"meta":{},"incident":{"name":"Network problem"}}' * 40
    secret = signing.new_secret()

    async def run():
        limit = asyncio.Semaphore(per_host)
        async with httpcore.AsyncConnectionPool(max_connections=per_host) as pool:

            async def one(n):
                headers = signing.headers([secret], f"msg_{n}", int(time.time()), body)
                async with limit:
                    await pool.request(
                        "POST", f"http://127.0.0.1:{port}/hook/{n}", headers=headers, content=body
                    )

            await asyncio.gather(*(one(n) for n in range(count)))

    start = time.perf_counter()
    asyncio.run(run())
    return count / (time.perf_counter() - start)


def worker_run(count, log):
    """Publish with a warm, idle worker; time until the last call succeeded."""
    from subscribers.models import DeliveryState, Notification

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker"], cwd=ROOT, stdout=log, stderr=log
    )
    time.sleep(4)  # let it start and go idle
    try:
        start = time.perf_counter()
        notification = Notification.objects.get(update=publish())
        peak = 0
        while notification.deliveries.filter(state=DeliveryState.SENT).count() < count:
            peak = max(peak, rss_peak_kb(worker.pid))
            if worker.poll() is not None:
                raise RuntimeError("the worker died; see the log")
            if time.perf_counter() - start > 300:
                raise RuntimeError("not done in 5 minutes")
            time.sleep(0.2)
        return time.perf_counter() - start, max(peak, rss_peak_kb(worker.pid))
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def publish_time(followers, port, runs=15):
    set_hooks(followers, port)
    return open_incident_time(runs)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench webhooks")
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)
    os.environ["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = "true"
    port, smtp_port = free_port(), free_port()
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
    try:
        wait_for_port(port)
        with tempfile.TemporaryDirectory() as var_dir:
            configure(args.database_url, Path(var_dir), EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}")
            from django.conf import settings

            log = open(Path(var_dir) / "worker.log", "ab")  # noqa: SIM115
            database = os.environ["DATABASE_URL"].split(":")[0]
            print(f"Webhook benchmark ({database}, HTTP receiver on loopback)")
            per_host = settings.WEBHOOK_PER_HOST
            raw_before = baseline_rate(port, args.followers, per_host)
            set_hooks(args.followers, port)
            elapsed, peak_kb = worker_run(args.followers, log)
            raw_after = baseline_rate(port, args.followers, per_host)
            raw = (raw_before + raw_after) / 2
            rate = args.followers / elapsed
            print(
                f"  bare httpcore script, {per_host} connections: {raw:8.0f} calls/s "
                f"(before {raw_before:.0f}, after {raw_after:.0f})"
            )
            print(
                f"  worker, {args.followers} webhook followers: {elapsed:8.1f} s from publishing "
                f"to the last call, {rate:.0f} calls/s = {rate / raw:.0%} of the bare script "
                f"(goal: < 30 s)"
            )
            print(f"    peak worker memory: {peak_kb / 1024:.0f} MB (goal: < 200 MB)")
            reset()
            small, large = publish_time(10, port), publish_time(args.followers, port)
            print(f"  publishing request, 10 followers:     {small:6.1f} ms (median)")
            print(f"  publishing request, {args.followers} followers: {large:6.1f} ms (median)")
    finally:
        receiver.terminate()


if __name__ == "__main__":
    main(sys.argv[1:])
