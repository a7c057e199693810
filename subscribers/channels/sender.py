"""Calling followers' URLs: webhooks and chat, many at once, never holding up mail.

A worker runs `calls_send_due` every second in a thread of its own. It claims due HTTP
deliveries in batches (the same atomic claims as mail), calls them concurrently on one
event loop (transport.Client: a bounded pool, a limit per host), and records outcomes in
batches. Database work runs in one thread beside the loop (Django's ORM is not async).

At least once, never lost: a delivery is recorded as called only after its 2xx; a
worker killed mid-call leaves the claim, which goes back to the queue within seconds
of its heartbeat stopping, and is called again with the same `webhook-id`, so receivers
drop the repeat (Standard Webhooks). Retries: see records.py.
"""

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections

from worker import runner

from . import records
from .transport import Client

# Claim more when fewer than this many calls are in flight (a slow host never makes a
# claim wait past the lease: the in-flight set stays small).
_LOW_WATER = 0.5
_RECORD_EVERY = 0.25  # seconds between writes of outcomes
_database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="calls-db")
_calling = threading.Lock()


def calls_send_due(*, seconds: float | None = None) -> int:
    """Call due webhooks and chats for up to `seconds`; how many succeeded (periodic job)."""
    if not _calling.acquire(blocking=False):
        return 0  # this process is at it already
    try:
        deadline = time.monotonic() + (seconds or settings.DELIVERY_TASK_SECONDS)
        return asyncio.run(_send(deadline))
    finally:
        # The database thread's connection is not left open between runs (nobody else
        # would close it, and PostgreSQL counts it against the database).
        _database.submit(connections.close_all).result()
        _calling.release()


async def _send(deadline: float) -> int:
    loop = asyncio.get_running_loop()

    def database(function, *args):
        return loop.run_in_executor(_database, _with_connection, function, *args)

    worker_id = runner.current_worker_id()
    client, preparer = Client(), records.CallPreparer()
    in_flight: set[asyncio.Task] = set()
    outcomes, succeeded, last_record = [], 0, time.monotonic()
    capacity = settings.WEBHOOK_CONCURRENCY * 2
    try:
        while True:
            if len(in_flight) < capacity * _LOW_WATER and time.monotonic() < deadline:
                calls = await database(preparer.claim, worker_id, capacity - len(in_flight))
                in_flight |= {asyncio.create_task(_call(client, call)) for call in calls}
            if not in_flight:
                break
            done, in_flight = await asyncio.wait(
                in_flight, timeout=_RECORD_EVERY, return_when=asyncio.FIRST_COMPLETED
            )
            outcomes += [task.result() for task in done]
            if outcomes and (not in_flight or time.monotonic() - last_record > _RECORD_EVERY):
                succeeded += await database(records.record, outcomes, worker_id)
                outcomes, last_record = [], time.monotonic()
    finally:
        for task in in_flight:
            task.cancel()
        await client.aclose()
    return succeeded


async def _call(client: Client, call: records.Call):
    return call, await client.post(call.url, call.body, call.headers)


_last_beat = 0.0


def _with_connection(function, *args):
    global _last_beat
    close_old_connections()
    if not runner.in_worker() and time.monotonic() - _last_beat > 1:
        runner.heartbeat()  # a sender outside run_worker shows it is alive itself
        _last_beat = time.monotonic()
    return function(*args)
