# Claims with a lease, so a crashed worker's generation goes back to the queue.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("generation", "0002_studio"),
    ]

    operations = [
        migrations.AddField(
            model_name="generation",
            name="claim_token",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="generation",
            name="claimed_by",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="generation",
            name="lease_expires_at",
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name="generation",
            name="queued_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
    ]
