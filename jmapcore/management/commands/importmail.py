"""``manage.py importmail ADDRESS PATH``: mbox, Maildir(++) or .eml folders into an account."""

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jmapcore.mail.sources import read_source
from jmapcore.models import Account
from jmapcore.services.importer import ImportReport, import_messages


class Command(BaseCommand):
    help = "Import an mbox file, a folder of mbox files, a Maildir/Maildir++ tree or .eml files."

    def add_arguments(self, parser) -> None:
        parser.add_argument("address", help="The account to import into")
        parser.add_argument("path", type=Path)
        parser.add_argument("--quiet", action="store_true", help="No progress line")

    def handle(self, address: str, path: Path, quiet: bool, **options) -> None:
        account = (
            Account.objects.select_related("domain").filter(user__username__iexact=address.strip()).first()
        )
        if account is None:
            raise CommandError(f"No account {address}")
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        started = time.monotonic()

        def progress(report: ImportReport) -> None:
            if quiet:
                return
            rate = report.seen / max(time.monotonic() - started, 1e-6)
            sys.stderr.write(f"\r{report.seen:,} messages read, {report.imported:,} imported ({rate:,.0f}/s)")
            sys.stderr.flush()

        report = import_messages(account, read_source(path), progress)
        elapsed = time.monotonic() - started
        if not quiet:
            sys.stderr.write("\n")
        self.stdout.write(
            f"Imported {report.imported:,} messages in {elapsed:.1f} s ({report.imported / max(elapsed, 1e-6):,.0f}/s); "
            f"{report.duplicates:,} already there, {report.skipped_deleted:,} marked deleted and skipped, "
            f"{report.mailboxes_created} mailboxes created, {len(report.failed)} failed."
        )
        for origin, reason in report.failed:
            self.stdout.write(f"  failed: {origin}: {reason}")
