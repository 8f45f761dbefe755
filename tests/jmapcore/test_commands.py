from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jmapcore.models import Account, ApiToken, Domain, Mailbox
from jmapcore.models.accounts import hash_token


@pytest.mark.django_db
def test_createaccount_creates_domain_account_and_standard_mailboxes():
    out = StringIO()
    call_command("createaccount", "Carol@New-Domain.test", "--password", "pw", "--name", "Carol", stdout=out)
    account = Account.objects.get(local_part="Carol")
    assert account.domain.name == "new-domain.test"
    assert account.user.check_password("pw")
    roles = set(Mailbox.objects.filter(account=account).values_list("role", flat=True))
    assert roles == {"inbox", "drafts", "sent", "archive", "junk", "trash"}
    assert account.jmap_id in out.getvalue()


@pytest.mark.django_db
def test_createaccount_refuses_an_existing_address_clearly():
    call_command("createaccount", "dave@example.test", "--password", "pw", stdout=StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("createaccount", "DAVE@example.test", "--password", "pw", stdout=StringIO())
    assert Domain.objects.filter(name="example.test").count() == 1


@pytest.mark.django_db
def test_createaccount_rejects_a_malformed_address():
    with pytest.raises(CommandError, match="not an email address"):
        call_command("createaccount", "no-at-sign", "--password", "pw", stdout=StringIO())


@pytest.mark.django_db
def test_createtoken_prints_a_token_of_which_only_the_hash_is_stored():
    call_command("createaccount", "erin@example.test", "--password", "pw", stdout=StringIO())
    out = StringIO()
    call_command("createtoken", "erin@example.test", stdout=out)
    secret = out.getvalue().strip()
    token = ApiToken.objects.get(user__username="erin@example.test")
    assert token.key_hash == hash_token(secret)
    assert secret not in (token.key_hash, token.prefix)


@pytest.mark.django_db
def test_createtoken_for_an_unknown_account_fails():
    with pytest.raises(CommandError):
        call_command("createtoken", "nobody@example.test", stdout=StringIO())
