from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Monitoring integrations"

    def ready(self):
        import health
        from worker import jobs

        from . import services

        # Held-down alerts go public on time, queued deliveries are applied (a lost
        # task, a crash); old payloads and quiet groups are dropped.
        jobs.register(services.groups_release_due, every=1)
        jobs.register(services.payloads_apply_due, every=1)
        jobs.register(services.history_prune, every=3600)
        health.register("integrations", services.freshness_report)
