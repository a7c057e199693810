from django.apps import AppConfig
from django.conf import settings


class PublicStoreConfig(AppConfig):
    name = "public_store"
    verbose_name = "Public store"

    def ready(self):
        import health
        from worker import jobs

        from . import journal, mirrors, outage, warming

        # Before the database's check: these need no database, and matter most without one.
        health.register("journal", journal.report)
        health.register("mirrors", mirrors.report)
        health.register("database", outage.health_check, required=True)
        # Every few seconds: the public pages learn of an outage (and its end) even
        # when nobody posts or signs up.
        jobs.register(outage.watch, every=5)
        # Twice per PUBLIC_REFRESH_SECONDS: the busiest pages are renewed before visitors ask.
        jobs.register(warming.warm, every=max(settings.PUBLIC_REFRESH_SECONDS // 2, 1))
        # Mirrors follow every change within a second or two (publishing in the background).
        jobs.register(mirrors.publish_due, every=1)
