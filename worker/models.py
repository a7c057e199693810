from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """Each running worker checks in here, so /healthz can tell when none is running."""

    worker_id = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self):
        return self.worker_id
