from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self):
        from public_store import warming
        from worker import jobs

        from . import selectors, services

        warming.register_paths(selectors.paths_to_warm)
        # Scheduled updates and automatic maintenance windows go live on time.
        jobs.register(services.updates_release_due, every=1)
        jobs.register(services.maintenances_transition_due, every=1)
