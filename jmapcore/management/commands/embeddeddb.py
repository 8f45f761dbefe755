from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from webmail import embedded_db


class Command(BaseCommand):
    help = "Manage the embedded PostgreSQL cluster in DATA_DIR (used when DATABASE_URL is unset)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["stop", "status"])

    def handle(self, action: str, **options) -> None:
        data_dir = Path(settings.DATA_DIR)
        if action == "stop":
            self.stdout.write(
                f"PostgreSQL in {embedded_db.pgdata_path(data_dir)}: {embedded_db.stop(data_dir)}"
            )
        else:
            running = (embedded_db.pgdata_path(data_dir) / "postmaster.pid").exists()
            self.stdout.write("running" if running else "not running")
