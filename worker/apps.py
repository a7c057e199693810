from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "worker"
    verbose_name = "Worker"

    def ready(self):
        import health

        from . import jobs, runner

        jobs.register(runner.heartbeat, every=runner.HEARTBEAT_EVERY.total_seconds())
        health.register("worker", runner.health_check)
