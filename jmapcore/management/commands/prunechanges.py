from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from jmapcore.changes.prune import prune_all


class Command(BaseCommand):
    help = "Delete tombstones older than JMAP_CHANGES_RETENTION_DAYS (clients older than that resync)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=float, default=settings.JMAP_CHANGES_RETENTION_DAYS)

    def handle(self, days: float, **options) -> None:
        self.stdout.write(f"Pruned {prune_all(timedelta(days=days))} tombstones")
