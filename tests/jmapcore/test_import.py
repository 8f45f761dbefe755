"""Importing a generated corpus: what lands where matches the generator's manifest."""

from __future__ import annotations

from collections import Counter

import pytest

from jmapcore.mail.sources import read_source
from jmapcore.models import Email, EmailMailbox, Mailbox
from jmapcore.services.accounts import account_create
from jmapcore.services.importer import import_messages
from tests.unit.test_mail_sources import expected_keywords, generate

ROLES = {
    "INBOX": "inbox",
    "Sent": "sent",
    "Archive": "archive",
    "Drafts": "drafts",
    "Trash": "trash",
    "Junk": "junk",
}


@pytest.fixture
def account(db):
    return account_create("import@example.test", None)


def mailbox_path(mailbox: Mailbox) -> str:
    if mailbox.role:
        return next(folder for folder, role in ROLES.items() if role == mailbox.role)
    names = []
    while mailbox is not None:
        names.append(mailbox.name)
        mailbox = mailbox.parent
    return "/".join(reversed(names))


def test_counts_per_mailbox_and_keywords_match_the_manifest_and_a_rerun_adds_nothing(account, tmp_path):
    root, manifest = generate(tmp_path, "maildir", 300)
    report = import_messages(account, read_source(root))
    assert (report.imported + report.duplicates, report.failed) == (len(manifest), [])

    per_folder = Counter(entry["folder"] for entry in manifest)
    memberships = EmailMailbox.objects.filter(email__account=account).select_related("mailbox__parent")
    assert Counter(mailbox_path(m.mailbox) for m in memberships) == per_folder
    for mailbox in Mailbox.objects.filter(account=account):
        assert mailbox.total_emails == per_folder.get(mailbox_path(mailbox), 0)

    stored = Counter(frozenset(email.keywords) for email in Email.objects.filter(account=account))
    assert sum(stored.values()) == report.imported
    assert stored <= Counter(expected_keywords(entry) for entry in manifest)

    again = import_messages(account, read_source(root))
    assert (again.imported, again.duplicates) == (0, len(manifest))
    assert Email.objects.filter(account=account).count() == report.imported
