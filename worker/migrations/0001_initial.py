import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """The heartbeat table, which the project's configuration package used to hold
    (statuspage_workerheartbeat): heartbeats only live for seconds, so the old table is
    dropped rather than copied."""

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="WorkerHeartbeat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("worker_id", models.CharField(max_length=64, unique=True)),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_seen", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={"ordering": ["-last_seen"]},
        ),
        migrations.RunSQL("DROP TABLE IF EXISTS statuspage_workerheartbeat", migrations.RunSQL.noop),
    ]
