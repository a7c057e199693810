from django.apps import AppConfig
from django.conf import settings
from django.urls import reverse


class SubscribersConfig(AppConfig):
    name = "subscribers"
    verbose_name = "Followers"

    def ready(self):
        from anymail.signals import tracking
        from django.core import checks

        import health
        from incidents.signals import (
            component_status_changed,
            maintenance_reminder_due,
            postmortem_published,
            update_went_live,
        )
        from public_store import mirrors, outage, warming
        from worker import jobs

        from . import checks as mail_checks
        from . import deliveries, receivers, sending, services
        from .channels import sender

        checks.register(mail_checks.sender_is_real, "mail")

        update_went_live.connect(receivers.tell_the_update, dispatch_uid="tell_the_update")
        component_status_changed.connect(
            receivers.tell_the_component_status, dispatch_uid="tell_the_component_status"
        )
        maintenance_reminder_due.connect(
            receivers.tell_the_maintenance_reminder, dispatch_uid="tell_the_maintenance_reminder"
        )
        postmortem_published.connect(
            receivers.tell_the_postmortem, dispatch_uid="tell_the_postmortem"
        )
        # Work a lost task left behind, retries, and the expiry of unconfirmed sign-ups.
        tracking.connect(receivers.record_mail_event, dispatch_uid="record_mail_event")
        jobs.register(services.sign_ups_process_due, every=10)
        jobs.register(services.notifications_fan_out_due, every=10)
        jobs.register(sending.deliveries_kick, every=settings.DELIVERY_KICK_SECONDS)
        jobs.register(deliveries.deliveries_recover_stale, every=1)
        # Webhooks and chat in a thread of their own: slow receivers hold up nothing else.
        jobs.register(sender.calls_send_due, every=1, thread="calls")
        jobs.register(services.subscribers_expire_pending, every=3600)
        health.register("mail", deliveries.backlog_report)
        warming.register_paths(lambda: [reverse("subscribers:subscribe")])
        mirrors.register_site(lambda: [reverse("subscribers:subscribe")])
        for prefix in ("/subscribe", "/unsubscribe"):
            outage.register_message(
                prefix,
                heading="Subscriptions are paused",
                message="We cannot reach our database right now, so subscriptions are paused. "
                "Please try again in a little while; the status page itself is still up.",
            )
