from django.core.management.base import BaseCommand

from jmapcore.services.blobs import blobs_cleanup


class Command(BaseCommand):
    help = "Delete expired uploads, then every blob (row and file) that no account references."

    def handle(self, **options) -> None:
        result = blobs_cleanup()
        self.stdout.write(
            f"Removed {result.references} expired references, {result.blobs} blobs "
            f"and {result.temporary_files} stale temporary files."
        )
