from django.core.management.base import BaseCommand, CommandError

from jmapcore.services.accounts import AccountExists, account_create


class Command(BaseCommand):
    help = "Create a mail account (and its domain if new), non-interactively."

    def add_arguments(self, parser) -> None:
        parser.add_argument("address", help="e.g. alice@example.test")
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="", help="Display name")

    def handle(self, address: str, password: str, name: str, **options) -> None:
        try:
            account = account_create(address, password, name=name)
        except AccountExists as error:
            raise CommandError(str(error)) from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Created {account.address} (JMAP account {account.jmap_id})")
