"""The mail benchmark: import a generated corpus, then time what clients do every day."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.conf import settings
from django.db import connection

from jmapcore.mail.sources import SourceMessage, read_source
from jmapcore.models import Account, Email, Mailbox
from jmapcore.services.importer import import_messages

from .harness import Measurement, measure

USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"]
LIST_PROPERTIES = [
    "id",
    "threadId",
    "mailboxIds",
    "keywords",
    "from",
    "subject",
    "receivedAt",
    "preview",
    "size",
    "hasAttachment",
]
GENERATOR = Path(settings.BASE_DIR).parent / "shared" / "bench" / "gen_corpus.py"
HELD_BACK = 200  # messages kept out of the import, delivered during the resync measurement
TEXT_TARGETS = (20, 200, 1300, 7000)


def corpus(messages: int, max_attachment_kb: int) -> Path:
    """The generated Maildir++ corpus, made once per size and kept under DATA_DIR."""
    out = Path(settings.DATA_DIR) / "bench" / f"corpus-{messages}-{max_attachment_kb}"
    if not (out / "cur").is_dir():
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                str(GENERATOR),
                "--format",
                "maildir",
                "--out",
                str(out),
                "--messages",
                str(messages),
                "--max-attachment-kb",
                str(max_attachment_kb),
                "--quiet",
            ],
            check=True,
        )
    return out


@dataclass
class ImportFigure:
    messages: int
    seconds: float

    def row(self) -> Measurement:
        rate = self.messages / self.seconds
        return Measurement(
            f"import ({self.messages:,} messages, {rate:,.0f}/s)", self.seconds * 1000, 0, 0, 0, 1
        )


def import_corpus(account: Account, messages: list[SourceMessage]) -> ImportFigure:
    started = time.perf_counter()
    report = import_messages(account, messages)
    return ImportFigure(report.imported, time.perf_counter() - started)


class MailBench:
    def __init__(self, url: str, token: str, account: Account, runs: int) -> None:
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        self.account = account
        self.account_id = account.jmap_id
        self.runs = runs
        self.inbox = f"M{Mailbox.objects.get(account=account, role='inbox').pk}"

    def api(self, calls: list) -> httpx.Response:
        return self.http.post("/jmap/api/", json={"using": USING, "methodCalls": calls})

    def call(self, name: str, arguments: dict) -> dict:
        response = self.api([[name, {"accountId": self.account_id, **arguments}, "0"]])
        response.raise_for_status()
        return response.json()["methodResponses"][0][1]

    # ----- the measurements -----
    def cold_start(self) -> list[Measurement]:
        first_page = [
            ["Mailbox/get", {"accountId": self.account_id, "ids": None}, "m"],
            [
                "Email/query",
                {
                    "accountId": self.account_id,
                    "filter": {"inMailbox": self.inbox},
                    "sort": [{"property": "receivedAt", "isAscending": False}],
                    "limit": 50,
                    "collapseThreads": True,
                },
                "q",
            ],
            [
                "Email/get",
                {
                    "accountId": self.account_id,
                    "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                    "properties": LIST_PROPERTIES,
                },
                "g",
            ],
        ]
        session = measure("cold start: session", lambda: self.http.get("/.well-known/jmap"), self.runs)
        page = measure("cold start: mailboxes + inbox page (50)", lambda: self.api(first_page), self.runs)
        total = Measurement(
            "cold start: both requests",
            session.median_ms + page.median_ms,
            session.p90_ms + page.p90_ms,
            session.bytes_up + page.bytes_up,
            session.bytes_down + page.bytes_down,
            self.runs,
        )
        return [session, page, total]

    def states(self) -> dict[str, str]:
        return {
            name: self.call(f"{name}/get", {"ids": None if name == "Mailbox" else []})["state"]
            for name in ("Mailbox", "Email", "Thread")
        }

    def resync_calls(self, states: dict[str, str], fetch: bool) -> list:
        calls: list = []
        for name in ("Mailbox", "Email", "Thread"):
            calls.append(
                [f"{name}/changes", {"accountId": self.account_id, "sinceState": states[name]}, name]
            )
            if fetch:
                for which in ("created", "updated"):
                    ref = {"resultOf": name, "name": f"{name}/changes", "path": f"/{which}"}
                    arguments = {"accountId": self.account_id, "#ids": ref}
                    if name == "Email":
                        arguments["properties"] = LIST_PROPERTIES
                    calls.append([f"{name}/get", arguments, f"{name}-{which}"])
        return calls

    def resync_unchanged(self) -> Measurement:
        calls = self.resync_calls(self.states(), fetch=False)
        return measure("resync, nothing changed (3 /changes)", lambda: self.api(calls), self.runs)

    def resync_after_changes(self, held_back: list[SourceMessage]) -> Measurement:
        """Each run: 10 keyword changes and 5 new messages, then one request catches up."""
        runs = min(self.runs, len(held_back) // 5)
        recent = list(
            Email.objects.filter(account=self.account)
            .order_by("-received_at")
            .values_list("pk", flat=True)[:10]
        )
        timings, response = [], None
        for run in range(runs):
            states = self.states()
            flag = {f"E{pk}": {"keywords/$flagged": True if run % 2 == 0 else None} for pk in recent}
            self.call("Email/set", {"update": flag})
            import_messages(self.account, held_back[run * 5 : run * 5 + 5])
            calls = self.resync_calls(states, fetch=True)
            started = time.perf_counter()
            response = self.api(calls)
            timings.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
        return _summarise("resync after 10 flag changes + 5 new mails", timings, response)

    def text_queries(self) -> list[Measurement]:
        rows = []
        for target, (word, matches) in zip(TEXT_TARGETS, self.words_near(TEXT_TARGETS), strict=True):
            query = {
                "filter": {"text": word},
                "sort": [{"property": "receivedAt", "isAscending": False}],
                "limit": 50,
                "calculateTotal": True,
            }
            calls = [["Email/query", {"accountId": self.account_id, **query}, "0"]]
            rows.append(
                measure(f"text query ~{target} ('{word}': {matches})", lambda c=calls: self.api(c), self.runs)
            )
        return rows

    def words_near(self, targets: tuple[int, ...]) -> list[tuple[str, int]]:
        """Words of the account's index whose document counts are closest to each target."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT word, ndoc FROM ts_stat(%s) WHERE length(word) > 3 AND word ~ '^[a-z]+$'",
                [f"SELECT search FROM jmapcore_email WHERE account_id = {int(self.account.pk)}"],
            )
            stats = cursor.fetchall()
        return [min(stats, key=lambda row: (abs(row[1] - target), row[0])) for target in targets]

    def keyword_update(self) -> Measurement:
        ids = [
            f"E{pk}" for pk in Email.objects.filter(account=self.account).values_list("pk", flat=True)[:100]
        ]
        state = {"value": True}

        def toggle() -> httpx.Response:
            state["value"] = None if state["value"] else True
            update = {email_id: {"keywords/$seen": state["value"]} for email_id in ids}
            return self.api([["Email/set", {"accountId": self.account_id, "update": update}, "0"]])

        return measure("Email/set keywords on 100 emails", toggle, max(self.runs // 5, 5), warmup=2)

    def html_body(self) -> Measurement:
        email = Email.objects.filter(account=self.account, parsed__htmlBody__0__type="text/html").first()
        calls = [
            [
                "Email/get",
                {
                    "accountId": self.account_id,
                    "ids": [f"E{email.pk}"] if email else [],
                    "properties": ["htmlBody", "bodyValues"],
                    "fetchHTMLBodyValues": True,
                },
                "0",
            ]
        ]
        return measure("Email/get one message with HTML body", lambda: self.api(calls), self.runs)

    def close(self) -> None:
        self.http.close()


def _summarise(name: str, timings: list[float], response: httpx.Response | None) -> Measurement:
    from .harness import wire_bytes

    timings.sort()
    up, down = wire_bytes(response) if response is not None else (0, 0)
    median = timings[len(timings) // 2] if timings else 0.0
    p90 = timings[int(len(timings) * 0.9)] if timings else 0.0
    return Measurement(name, median, p90, up, down, len(timings))


def split_corpus(path: Path) -> tuple[list[SourceMessage], list[SourceMessage]]:
    """All messages but a few, and those few (delivered later, during the resync runs)."""
    messages = list(read_source(path))
    # Hold back a deterministic spread of messages, not the newest folder's tail.
    held = {i for i, m in enumerate(messages) if int(hashlib.sha256(m.raw).hexdigest(), 16) % 97 == 0}
    held = set(sorted(held)[:HELD_BACK])
    return [m for i, m in enumerate(messages) if i not in held], [
        m for i, m in enumerate(messages) if i in held
    ]
