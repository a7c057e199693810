"""What incidents announces to the rest of the project, which listens in its own ready().

`update_went_live` is sent with `update=` inside the transaction that makes an update
public (posted now, or a draft or scheduled post released), after its effects are
applied: receivers write their own rows (the followers' outbox) in that transaction,
so they commit, or roll back, with it.

`component_status_changed` is sent with `change=` (a ComponentStatusChange) in the
transaction that changes a component's current status: directly (the admin, the shell)
or by an update going live (then `change.update` is that update). Backfilled history
and imports, which leave the current status alone, send nothing.

`maintenance_reminder_due` is sent with `incident=` (a scheduled maintenance), once per
maintenance, in the transaction that records that its followers are reminded
(MAINTENANCE_REMINDER_BEFORE ahead of its start).

`postmortem_published` is sent with `incident=` in the transaction that publishes the
incident's postmortem with "notify followers", at most once per incident.
"""

from django.dispatch import Signal

update_went_live = Signal()
component_status_changed = Signal()
maintenance_reminder_due = Signal()
postmortem_published = Signal()
