"""The one write path for everything the public can see.

The admin, the commands, the importer, the worker's periodic jobs and the tests all
call these functions (import them from here). Each runs in one transaction: it
validates, writes the rows, records follow-up work (the audit trail, "an update went
live" for the followers' outbox, a "public state changed" mark that fires on commit)
and returns. No mail, rendering or network happens here.

By subject: incidents.py (open, edit, delete), updates.py (the posts), going_live.py
(what an update does when it goes live), restoring.py (what a resolution brings back),
dates.py (dates that need confirming), editing.py (a post's component changes),
maintenances.py (reminders, automatic windows), postmortems.py, components.py,
templates.py (incident templates), imports.py (from Statuspage), journal.py (posts made
while the database was unreachable, and their replay); common.py holds the shared skeleton.
"""

from .components import (
    component_delete,
    component_save,
    component_set_status,
    group_delete,
    group_save,
)
from .dates import NEEDS_CONFIRMATION, check_post_date, needs_confirmation
from .imports import (
    ImportedChange,
    component_import,
    group_import,
    incident_import,
    update_import,
)
from .incidents import incident_delete, incident_edit, incident_open
from .journal import journal_post, journal_replay_due
from .maintenances import maintenances_remind_due, maintenances_transition_due
from .postmortems import postmortem_publish, postmortem_save, postmortem_unpublish
from .restoring import component_restores, restores_components
from .templates import template_delete, template_save
from .updates import (
    BACKDATED_AFTER,
    update_create,
    update_delete,
    update_edit,
    updates_release_due,
)

__all__ = [
    "BACKDATED_AFTER",
    "NEEDS_CONFIRMATION",
    "ImportedChange",
    "check_post_date",
    "component_delete",
    "component_import",
    "component_restores",
    "component_save",
    "component_set_status",
    "group_delete",
    "group_import",
    "group_save",
    "incident_delete",
    "incident_edit",
    "incident_import",
    "incident_open",
    "journal_post",
    "journal_replay_due",
    "maintenances_remind_due",
    "maintenances_transition_due",
    "needs_confirmation",
    "postmortem_publish",
    "postmortem_save",
    "postmortem_unpublish",
    "restores_components",
    "template_delete",
    "template_save",
    "update_create",
    "update_delete",
    "update_edit",
    "update_import",
    "updates_release_due",
]
