"""The integrations' write path (the admin, the command, the endpoint and the worker
call these): integrations.py (create, rotate, log), receiving.py (a delivery, applied
at once or queued in order), grouping.py (alert groups), posting.py (their incidents,
through incidents.services), upkeep.py (periodic jobs and health)."""

from .grouping import batch_apply, group_release
from .integrations import (
    integration_create,
    integration_edit,
    integration_log,
    integration_rotate_token,
    receiving_addresses,
)
from .posting import discard as group_discard
from .posting import pending_drafts
from .posting import publish as group_publish
from .receiving import (
    MAX_BODY,
    Outcome,
    alerts_receive,
    payloads_apply_due,
    payloads_apply_queued,
)
from .upkeep import freshness_report, groups_release_due, history_prune

__all__ = [
    "MAX_BODY",
    "Outcome",
    "alerts_receive",
    "batch_apply",
    "freshness_report",
    "group_discard",
    "group_publish",
    "group_release",
    "groups_release_due",
    "history_prune",
    "integration_create",
    "integration_edit",
    "integration_log",
    "integration_rotate_token",
    "payloads_apply_due",
    "payloads_apply_queued",
    "pending_drafts",
    "receiving_addresses",
]
