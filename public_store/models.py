from django.db import models
from django.utils import timezone


class JournalReplay(models.Model):
    """A break-glass journal entry applied to the database (journal.replay): written in
    the transaction that applies it, so that an entry is applied exactly once."""

    entry_id = models.CharField(max_length=32, unique=True)
    replayed_at = models.DateTimeField(default=timezone.now)
    result = models.CharField(max_length=200, blank=True)  # what it became, e.g. a URL

    def __str__(self):
        return self.entry_id
