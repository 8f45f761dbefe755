"""Everything ``make run`` needs: migrations, the demo account, and the site's processes."""

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from jmapcore.services.accounts import account_create

# Tombstone pruning and upload expiry run this often (seconds) while the site runs.
MAINTENANCE_INTERVAL = 3600


def site_processes(port: int) -> list[list[str]]:
    """The processes of a running site; later services (SMTP, delivery worker) add theirs."""
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    web = [
        sys.executable,
        "-m",
        "daphne",
        "-b",
        settings.BIND_ADDRESS,
        "-p",
        str(port),
        "--proxy-headers",
        "--no-server-name",
    ]
    return [
        [*web, "webmail.asgi:application"],
        # Exactly one: it sends PushSubscription messages for every web process.
        [sys.executable, manage, "pushworker"],
        # Receives mail for the hosted domains (port 25 belongs to a front MTA or a port forward).
        [sys.executable, manage, "smtpd", "--host", settings.BIND_ADDRESS, "--port", str(settings.SMTP_PORT)],
        # Sends queued mail (EmailSubmission, vacation replies); more may run side by side.
        [sys.executable, manage, "outboundworker"],
    ]


class Command(BaseCommand):
    help = "Prepare the database and demo account, then run the site until Ctrl-C."

    def handle(self, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        address, password = self.ensure_demo_account()
        port = settings.PORT
        self.stdout.write(
            f"\nSite: {settings.PUBLIC_URL}/\nJMAP session: {settings.PUBLIC_URL}/.well-known/jmap\n"
            f"Demo account: {address}  password: {password}\nCtrl-C stops everything.\n"
        )
        self.run_until_interrupted(site_processes(port))

    def ensure_demo_account(self) -> tuple[str, str]:
        address = settings.DEMO_ACCOUNT
        password_file = Path(settings.DATA_DIR) / "demo-password"
        user = get_user_model().objects.filter(username__iexact=address).first()
        if user is not None and password_file.exists():
            return address, password_file.read_text().strip()
        password = secrets.token_urlsafe(9)
        if user is None:
            account_create(address, password, name="Demo User")
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        password_file.write_text(password)
        password_file.chmod(0o600)
        return address, password

    def run_until_interrupted(self, commands: list[list[str]]) -> None:
        children = [subprocess.Popen(command, env=os.environ.copy()) for command in commands]
        stop = False

        def on_signal(signum, frame) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        next_maintenance = time.monotonic()
        try:
            while not stop and all(child.poll() is None for child in children):
                if time.monotonic() >= next_maintenance:
                    subprocess.Popen(
                        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "maintenance"]
                    )
                    next_maintenance = time.monotonic() + MAINTENANCE_INTERVAL
                time.sleep(0.3)
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        self.stdout.write("Stopped.")
