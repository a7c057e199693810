"""The worker process: queued tasks (django.tasks) plus a loop of the periodic jobs.

One process does both. Every job is safe to repeat and to run in several workers at
once, so a crash or a second worker only delays work, and a database outage only
pauses it: the loops log the error, wait and carry on.
"""

import datetime
import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string

from . import jobs
from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Every second, in a thread of its own: a worker whose heartbeat is older than
# HEARTBEAT_GONE_AFTER is gone, and its claims are given back (apps' recovery jobs).
HEARTBEAT_EVERY = datetime.timedelta(seconds=1)
HEARTBEAT_GONE_AFTER = datetime.timedelta(seconds=3)
# A job that could not reach the database tries again this soon, not after its period.
RETRY_AFTER_CONNECTION_ERROR = 2


def process_name():
    """This process as others see it, in mail claims and heartbeats."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}"


def new_worker_id():
    return f"{process_name()}-{get_random_string(6)}"


_worker_id = None
_process_worker_id = None


def current_worker_id():
    """Who claims work in this process: the worker's id, or (a task run by another
    task backend, a test) an id of this process's own, which then beats too."""
    global _process_worker_id
    if _worker_id:
        return _worker_id
    if _process_worker_id is None:
        _process_worker_id = new_worker_id()
    return _process_worker_id


def heartbeat(worker_id=None):
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id or current_worker_id(), defaults={"last_seen": timezone.now()}
    )
    # Workers that vanished (killed, machine gone) would otherwise be listed forever.
    WorkerHeartbeat.objects.filter(
        last_seen__lt=timezone.now() - datetime.timedelta(days=1)
    ).delete()


def live_worker_ids(worker_ids) -> set[str]:
    """Those of these workers whose heartbeat is recent."""
    recent = timezone.now() - HEARTBEAT_GONE_AFTER
    return set(
        WorkerHeartbeat.objects.filter(worker_id__in=worker_ids, last_seen__gte=recent).values_list(
            "worker_id", flat=True
        )
    )


def health_check() -> dict:
    latest = WorkerHeartbeat.objects.first()
    if latest is None:
        return {"ok": False, "error": "no worker has ever checked in (run: manage.py run_worker)"}
    age = (timezone.now() - latest.last_seen).total_seconds()
    report = {
        "ok": age < settings.WORKER_STALE_AFTER.total_seconds(),
        "last_seen_seconds_ago": round(age, 1),
    }
    if not report["ok"]:
        report["error"] = "no worker has checked in recently: mail and scheduled posts are stuck"
    return report


def run_periodic_jobs(stop: threading.Event, tick: float = 0.5, thread=jobs.DEFAULT_THREAD):
    schedule = jobs.schedule(thread)
    while not stop.is_set():
        close_old_connections()
        for job in schedule:
            now = time.monotonic()
            if job.due(now):
                _run_job(job, now)
        stop.wait(tick)


def _run_job(job: jobs.PeriodicJob, now: float):
    try:
        job.run(now)
    except (OperationalError, InterfaceError) as error:
        # Perhaps the database is unreachable (the public store's own probe job tells
        # the public pages): try again soon, on a new connection.
        logger.warning("%s: database error (%s); will retry", job.name, error)
        job.next_run = now + RETRY_AFTER_CONNECTION_ERROR
        close_old_connections()
    except Exception:
        logger.exception("%s failed; will retry", job.name)


def run_tasks(worker_id: str, stop: threading.Event):
    """Run queued tasks with django-tasks-db's worker, restarting it after database errors."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=float(settings.WORKER_POLL_INTERVAL),
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    worker.configure_signals()
    while worker.running and not stop.is_set():
        try:
            worker.run()
        except DatabaseError as error:
            logger.warning("Task worker: database error (%s); retrying in 2 s", error)
            close_old_connections()
            time.sleep(2)


def in_worker() -> bool:
    """Whether this process is `run_worker` (whose heartbeat thread beats for it)."""
    return _worker_id is not None


def run(worker_id: str | None = None):
    global _worker_id
    _worker_id = worker_id or new_worker_id()
    stop = threading.Event()
    loops = [
        threading.Thread(
            target=run_periodic_jobs, args=(stop,), kwargs={"thread": name}, daemon=True
        )
        for name in jobs.threads()
    ]
    for loop in loops:
        loop.start()
    logger.info("Worker %s started", _worker_id)
    try:
        if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
            run_tasks(_worker_id, stop)
        else:
            # Another task backend runs its own workers; this process keeps the periodic jobs.
            loops[0].join()
    finally:
        stop.set()
        for loop in loops:
            loop.join(timeout=5)
        _forget_heartbeat()
        logger.info("Worker stopped: %s", _worker_id)


def _forget_heartbeat():
    """A worker that stops cleanly says so: its claims are given back at once."""
    try:
        WorkerHeartbeat.objects.filter(worker_id=_worker_id).delete()
    except DatabaseError:
        logger.warning("Could not remove this worker's heartbeat; it expires by itself")
