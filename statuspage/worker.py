"""The background worker: queued tasks (django.tasks) plus a loop of periodic jobs.

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
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string

from . import database, public_cache
from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = datetime.timedelta(seconds=5)


@dataclass
class PeriodicJob:
    path: str  # dotted path of a function taking no arguments
    every: datetime.timedelta
    next_run: float = field(default=0.0)

    def due(self, now):
        return now >= self.next_run

    def run(self, now):
        self.next_run = now + self.every.total_seconds()
        result = import_string(self.path)()
        if result:
            logger.info("%s: %s", self.path, result)


def periodic_jobs():
    return [
        PeriodicJob("statuspage.worker.heartbeat", HEARTBEAT_EVERY),
        *(PeriodicJob(path, datetime.timedelta(seconds=s)) for path, s in settings.PERIODIC_JOBS),
    ]


def process_name():
    """This process as others see it, in mail claims and heartbeats."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}"


def new_worker_id():
    return f"{process_name()}-{get_random_string(6)}"


_worker_id = None


def heartbeat():
    WorkerHeartbeat.objects.update_or_create(
        worker_id=_worker_id, defaults={"last_seen": timezone.now()}
    )
    public_cache.mark_database_up()
    # Workers that vanished (killed, machine gone) would otherwise be listed forever.
    WorkerHeartbeat.objects.filter(
        last_seen__lt=timezone.now() - datetime.timedelta(days=1)
    ).delete()


def run_periodic_jobs(stop: threading.Event, tick: float = 0.5):
    jobs = periodic_jobs()
    while not stop.is_set():
        close_old_connections()
        for job in jobs:
            now = time.monotonic()
            if job.due(now):
                _run_job(job, now)
        stop.wait(tick)


def _run_job(job: PeriodicJob, now: float):
    try:
        job.run(now)
    except DatabaseError as error:
        if not database.is_outage(error):
            logger.exception("%s failed; will retry", job.path)
            return
        logger.warning("%s: database unavailable (%s); will retry", job.path, error)
        public_cache.mark_database_down()  # public pages say they may be out of date
        job.next_run = now + 2
        close_old_connections()
    except Exception:
        logger.exception("%s failed; will retry", job.path)


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
            reason = "database unavailable" if database.is_outage(error) else "database error"
            logger.warning("Task worker: %s (%s); retrying in 2 s", reason, error)
            close_old_connections()
            time.sleep(2)


def run(worker_id: str | None = None):
    global _worker_id
    _worker_id = worker_id or new_worker_id()
    stop = threading.Event()
    periodic = threading.Thread(target=run_periodic_jobs, args=(stop,), daemon=True)
    periodic.start()
    logger.info("Worker %s started", _worker_id)
    try:
        if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
            run_tasks(_worker_id, stop)
        else:
            # Another task backend runs its own workers; this process keeps the periodic jobs.
            periodic.join()
    finally:
        stop.set()
        periodic.join(timeout=5)
