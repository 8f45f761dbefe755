"""The outgoing queue's worker as a real process against the test database."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from tests.conftest import ROOT, free_port, server_env

# Short waits so retries and expiry happen within a test.
FAST_QUEUE = {
    "OUTBOUND_RETRY_BASE": "0.5",
    "OUTBOUND_RETRY_MAX": "2",
    "OUTBOUND_POLL_INTERVAL": "0.2",
    "OUTBOUND_MAX_LIFETIME": "6",
    "SMTP_HELO_NAME": "mail.hosted.test",
}


class Worker:
    def __init__(self, overrides: dict[str, str]) -> None:
        self.log_path = Path(settings.DATA_DIR) / f"test-outbound-{free_port()}.log"
        env = server_env(free_port(), {**FAST_QUEUE, **overrides})
        command = [sys.executable, "manage.py", "outboundworker", "--concurrency", "4"]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log_path.open("wb"), stderr=subprocess.STDOUT
        )
        self._wait_started()

    def _wait_started(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited; see {self.log_path}")
            if b"Outgoing mail worker started" in self.log_path.read_bytes():
                return
            time.sleep(0.1)
        self.process.kill()
        raise RuntimeError(f"the worker did not start; see {self.log_path}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
