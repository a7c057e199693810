from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "worker"
    verbose_name = "Worker"

    def ready(self):
        import health

        from . import jobs, runner

        # Its own thread: a long job must not stop the beat (others would take its work).
        every = runner.HEARTBEAT_EVERY.total_seconds()
        jobs.register(runner.heartbeat, every=every, thread="heartbeat")
        health.register("worker", runner.health_check)
