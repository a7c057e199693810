"""The background worker: queued tasks (django.tasks) and the periodic jobs that apps
register in their AppConfig.ready() (`worker.jobs.register`)."""
