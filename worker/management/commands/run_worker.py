from django.core.management.base import BaseCommand

from worker import runner


class Command(BaseCommand):
    help = "Run the background worker: queued tasks and periodic jobs (stop with Ctrl+C)."

    def add_arguments(self, parser):
        parser.add_argument("--worker-id", help="Unique name of this worker (default: generated).")

    def handle(self, *args, worker_id=None, **options):
        runner.run(worker_id)
