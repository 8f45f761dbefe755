from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from jmapcore.services.accounts import token_create


class Command(BaseCommand):
    help = "Print a new API token (HTTP Bearer) for a user. It is shown once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("address")
        parser.add_argument("--name", default="", help="What the token is for")

    def handle(self, address: str, name: str, **options) -> None:
        user = get_user_model().objects.filter(username__iexact=address.strip()).first()
        if user is None:
            raise CommandError(f"No account {address}")
        self.stdout.write(token_create(user, name))
