"""The generic Foo/copy (RFC 8620 5.4), exercised with a copyable Mailbox probe.

No RFC type that this server has yet supports /copy, and a user has one account, so
the engine is driven in-process with a Context that can reach two accounts.
"""

from __future__ import annotations

import pytest

from jmapcore.datatypes.mailbox import MailboxType
from jmapcore.engine.capabilities import CORE, MAIL
from jmapcore.engine.context import Context
from jmapcore.engine.copy import standard_copy
from jmapcore.models import Mailbox
from jmapcore.protocol.errors import MethodError
from jmapcore.services.accounts import account_create
from jmapcore.services.mailboxes import mailbox_create


class CopyableMailbox(MailboxType):
    methods = (*MailboxType.methods, "copy")

    def copy(self, ctx, log, from_account, account, original, overrides):
        mailbox = mailbox_create(log, account, name=overrides.get("name", original.name))
        return mailbox, {"parentId": None, "role": None}


PROBE = CopyableMailbox()


@pytest.fixture
def accounts(db):
    return account_create("copy-from@example.test", None), account_create("copy-to@example.test", None)


@pytest.fixture
def ctx(accounts) -> Context:
    source, target = accounts
    return Context(
        user=source.user,
        accounts={source.jmap_id: source, target.jmap_id: target},
        using=frozenset([CORE, MAIL]),
        call_id="c1",
    )


@pytest.fixture
def projects(accounts) -> Mailbox:
    from jmapcore.changes.log import account_write

    with account_write(accounts[0].pk) as log:
        return mailbox_create(log, accounts[0], name="Projects")


def copy(ctx, accounts, **arguments):
    source, target = accounts
    return standard_copy(
        ctx, PROBE, {"fromAccountId": source.jmap_id, "accountId": target.jmap_id, **arguments}
    )


def test_copy_creates_the_object_in_the_target_account_with_overrides(ctx, accounts, projects):
    response = copy(ctx, accounts, create={"k1": {"id": PROBE.to_id(projects.pk), "name": "Copied"}})
    new_id = response["created"]["k1"]["id"]
    copied = Mailbox.objects.get(pk=PROBE.to_pk(new_id))
    assert (copied.account_id, copied.name) == (accounts[1].pk, "Copied")
    assert response["notCreated"] is None
    assert response["oldState"] != response["newState"]
    assert ctx.created_ids["k1"] == new_id
    assert Mailbox.objects.filter(pk=projects.pk).exists()


def test_copy_reports_a_missing_original_as_not_found(ctx, accounts):
    response = copy(ctx, accounts, create={"k1": {"id": "M999999"}})
    assert response["created"] is None
    assert response["notCreated"]["k1"]["type"] == "notFound"


def test_copy_rejects_server_set_and_unknown_overrides(ctx, accounts, projects):
    response = copy(ctx, accounts, create={"k1": {"id": PROBE.to_id(projects.pk), "totalEmails": 3, "x": 1}})
    assert response["notCreated"]["k1"]["type"] == "invalidProperties"
    assert sorted(response["notCreated"]["k1"]["properties"]) == ["totalEmails", "x"]


def test_copy_with_destroy_original_emits_the_implicit_set_under_the_same_call_id(ctx, accounts, projects):
    original = PROBE.to_id(projects.pk)
    copy(ctx, accounts, create={"k1": {"id": original}}, onSuccessDestroyOriginal=True)
    [implicit] = ctx.extra_responses
    assert (implicit.name, implicit.call_id) == ("Mailbox/set", "c1")
    assert implicit.arguments["destroyed"] == [original]
    assert not Mailbox.objects.filter(pk=projects.pk).exists()


def test_destroy_from_if_in_state_mismatch_answers_the_implicit_set_with_an_error(ctx, accounts, projects):
    copy(
        ctx,
        accounts,
        create={"k1": {"id": PROBE.to_id(projects.pk)}},
        onSuccessDestroyOriginal=True,
        destroyFromIfInState="0",
    )
    [implicit] = ctx.extra_responses
    assert implicit.name == "error"
    assert implicit.arguments["type"] == "stateMismatch"
    assert Mailbox.objects.filter(pk=projects.pk).exists()


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"ifInState": "0"}, "stateMismatch"),
        ({"ifFromInState": "0"}, "stateMismatch"),
        ({"fromAccountId": "A0"}, "fromAccountNotFound"),
        ({"create": None}, "invalidArguments"),
        ({"unknownArgument": True}, "invalidArguments"),
    ],
)
def test_copy_method_errors(ctx, accounts, projects, arguments, error):
    base = {"create": {"k1": {"id": PROBE.to_id(projects.pk)}}}
    with pytest.raises(MethodError) as raised:
        copy(ctx, accounts, **{**base, **arguments})
    assert raised.value.error_type == error


def test_copy_within_one_account_is_invalid(ctx, accounts, projects):
    source = accounts[0]
    with pytest.raises(MethodError) as raised:
        standard_copy(
            ctx,
            PROBE,
            {"fromAccountId": source.jmap_id, "accountId": source.jmap_id, "create": {"k1": {"id": "M1"}}},
        )
    assert raised.value.error_type == "invalidArguments"
