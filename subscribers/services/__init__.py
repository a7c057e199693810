"""Followers' side of the write path (import the functions from here).

Like incidents.services, nothing here sends mail: each function writes rows (a
Delivery is one mail to send) in one transaction, and the worker delivers them.
followers.py: sign-up, confirmation, scope, leaving, suppression, imports; channels.py:
followers added by operators, webhook secrets; outbox.py: what each event is to be sent
to.
"""

from ..suppression import subscriber_suppress
from .channels import (
    follower_key,
    subscriber_add,
    subscriber_rotate_secret,
    subscribers_import_urls,
)
from .followers import (
    followers_changed,
    sign_up_process,
    sign_up_record,
    sign_ups_process_due,
    subscriber_confirm,
    subscriber_reactivate,
    subscriber_set_scope,
    subscriber_subscribe,
    subscriber_unsubscribe,
    subscribers_count_known,
    subscribers_expire_pending,
    subscribers_import,
)
from .outbox import notification_fan_out, notification_schedule, notifications_fan_out_due

__all__ = [
    "follower_key",
    "followers_changed",
    "notification_fan_out",
    "notification_schedule",
    "notifications_fan_out_due",
    "sign_up_process",
    "sign_up_record",
    "sign_ups_process_due",
    "subscriber_add",
    "subscriber_confirm",
    "subscriber_reactivate",
    "subscriber_rotate_secret",
    "subscriber_set_scope",
    "subscriber_subscribe",
    "subscriber_suppress",
    "subscriber_unsubscribe",
    "subscribers_count_known",
    "subscribers_expire_pending",
    "subscribers_import",
    "subscribers_import_urls",
]
