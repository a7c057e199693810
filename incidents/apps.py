from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self):
        from public_store import mirrors, warming
        from worker import jobs

        from . import selectors, services, site

        warming.register_paths(selectors.paths_to_warm)
        mirrors.register_site(site.public_urls)
        # Scheduled updates and automatic maintenance windows go live on time.
        jobs.register(services.updates_release_due, every=1)
        jobs.register(services.maintenances_transition_due, every=1)
        jobs.register(services.maintenances_remind_due, every=10)
        # Posts made while the database was unreachable are posted once it is back.
        jobs.register(services.journal_replay_due, every=1)
