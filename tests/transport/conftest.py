"""An SMTP (or LMTP) server process on loopback against the test database, and fixed DNS answers."""

from __future__ import annotations

import json
import os
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.conftest import ROOT, free_port, server_env
from tests.push.conftest import open_stream  # noqa: F401 - the event source fixture, shared

HOSTNAME = "mx.hosted.test"


class DnsTable:
    """The fixed answers the server's resolver reads (DNS_STATIC_FILE), rewritten atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.answers: dict[str, Any] = {}
        self._write()

    def _write(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.answers))
        os.replace(temporary, self.path)

    def publish(self, name: str, rdtype: str, *values: str) -> None:
        self.answers.setdefault(name.lower(), {})[rdtype] = list(values)
        self._write()

    def fail(self, name: str) -> None:
        self.answers[name.lower()] = "temperror"
        self._write()


@dataclass
class SmtpServer:
    host: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def client(self, lmtp: bool = False) -> smtplib.SMTP:
        if lmtp:
            return smtplib.LMTP(self.host, self.port, local_hostname="client.test", timeout=30)
        return smtplib.SMTP(self.host, self.port, local_hostname="client.test", timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_smtpd(overrides: dict[str, str] | None = None, lmtp: bool = False) -> SmtpServer:
    port = free_port()
    env = server_env(free_port(), {"SMTP_HOSTNAME": HOSTNAME, **(overrides or {})})
    log_path = Path(settings.DATA_DIR) / f"test-smtpd-{port}.log"
    command = [sys.executable, "manage.py", "smtpd", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [*command, *(["--lmtp"] if lmtp else [])],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"smtpd exited; see {log_path}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return SmtpServer("127.0.0.1", port, process, log_path)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("smtpd did not start")


@pytest.fixture(scope="session")
def dns_table(tmp_path_factory) -> DnsTable:
    return DnsTable(tmp_path_factory.mktemp("dns") / "answers.json")


@pytest.fixture(scope="session")
def smtpd(django_db_setup, dns_table) -> Iterator[SmtpServer]:
    server = start_smtpd({"DNS_STATIC_FILE": str(dns_table.path), "SMTP_MAX_MESSAGE_SIZE": "200000"})
    yield server
    server.stop()


@pytest.fixture
def smtp(smtpd) -> Iterator[smtplib.SMTP]:
    client = smtpd.client()
    yield client
    try:
        client.quit()
    except smtplib.SMTPException:
        client.close()


@pytest.fixture(scope="session")
def lmtpd(django_db_setup, dns_table) -> Iterator[SmtpServer]:
    server = start_smtpd({"DNS_STATIC_FILE": str(dns_table.path)}, lmtp=True)
    yield server
    server.stop()
