from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from jmapcore.changes.prune import prune_all
from jmapcore.services.blobs import blobs_cleanup


class Command(BaseCommand):
    help = "Periodic housekeeping: prune old tombstones, delete expired uploads. `make run` runs it hourly."

    def handle(self, **options) -> None:
        pruned = prune_all(timedelta(days=settings.JMAP_CHANGES_RETENTION_DAYS))
        blobs = blobs_cleanup()
        self.stdout.write(
            f"Pruned {pruned} tombstones; removed {blobs.references} expired uploads and {blobs.blobs} blobs."
        )
