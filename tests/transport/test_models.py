"""The transport tables: DKIM keys per domain, aliases, the identity and vacation every account starts with."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from django.db import IntegrityError, transaction

from jmapcore.changes.read import type_states
from jmapcore.models import Account, Alias, Domain, Identity, VacationResponse
from jmapcore.services.accounts import account_create

pytestmark = pytest.mark.django_db


def test_new_domain_gets_a_dkim_key_and_its_dns_record() -> None:
    domain = Domain.objects.create(name="Keys.Example.")
    assert domain.name == "keys.example"
    assert domain.dkim_selector.startswith("jmap")
    key = serialization.load_pem_private_key(domain.dkim_private_key.encode(), password=None)
    assert key.key_size == 2048
    assert domain.dkim_record_name == f"{domain.dkim_selector}._domainkey.keys.example"
    published = domain.dkim_record_value.split("p=", 1)[1]
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert base64.b64decode(published) == public_der
    assert domain.dkim_record_value.startswith("v=DKIM1; k=rsa; ")


def test_saving_again_keeps_the_key() -> None:
    domain = Domain.objects.create(name="stable.example")
    pem = domain.dkim_private_key
    domain.save()
    domain.refresh_from_db()
    assert domain.dkim_private_key == pem


def test_account_starts_with_an_identity_and_a_vacation_response() -> None:
    account = account_create("ida@ident.example", None, name="Ida")
    identity = Identity.objects.get(account=account)
    assert (identity.name, identity.email, identity.may_delete) == ("Ida", "ida@ident.example", False)
    vacation = VacationResponse.objects.get(account=account)
    assert not vacation.is_enabled
    states, _ = type_states(account.pk)
    assert int(states["Identity"]) > 0 and int(states["VacationResponse"]) > 0


def test_alias_is_unique_per_domain_ignoring_case() -> None:
    account = account_create("al@alias.example", None)
    alias = Alias.objects.create(domain=account.domain, local_part="Sales")
    alias.targets.add(account)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alias.objects.create(domain=account.domain, local_part="sales")
    other = Domain.objects.create(name="other-alias.example")
    Alias.objects.create(domain=other, local_part="sales")


def test_alias_may_not_shadow_an_account() -> None:
    from django.core.exceptions import ValidationError

    account = account_create("bo@shadow.example", None)
    with pytest.raises(ValidationError):
        Alias(domain=account.domain, local_part="BO").full_clean()
    assert Account.objects.filter(pk=account.pk).exists()


def test_the_migration_gives_older_accounts_an_identity_and_a_vacation_setting() -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("jmapcore.migrations.0007_transport")
    older = account_create("old@legacy.example", None, name="Olde")
    Identity.objects.filter(account=older).delete()
    VacationResponse.objects.filter(account=older).delete()
    before, _ = type_states(older.pk)
    migration.create_identities_and_vacation(apps, None)
    migration.create_identities_and_vacation(apps, None)  # a second run adds nothing
    [identity] = Identity.objects.filter(account=older)
    assert (identity.email, identity.name, identity.may_delete) == ("old@legacy.example", "Olde", False)
    assert VacationResponse.objects.filter(account=older).count() == 1
    after, _ = type_states(older.pk)
    assert after["Identity"] > before["Identity"] and after["VacationResponse"] > before["VacationResponse"]


def test_admin_shows_the_dkim_record_and_manages_aliases(client) -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.test", "pw")
    client.login(username="root", password="pw")
    account = account_create("ann@admin-dns.example", None)
    domain = account.domain
    page = client.get(f"/admin/jmapcore/domain/{domain.pk}/change/", HTTP_HOST="127.0.0.1")
    assert page.status_code == 200
    text = page.content.decode()
    assert domain.dkim_record_name in text and domain.dkim_record_value[:60] in text
    assert "BEGIN PRIVATE KEY" not in text
    response = client.post(
        "/admin/jmapcore/alias/add/",
        {"domain": domain.pk, "local_part": "info", "targets": [account.pk]},
        HTTP_HOST="127.0.0.1",
    )
    assert response.status_code == 302, response.content[:2000]
    alias = Alias.objects.get(domain=domain, local_part="info")
    assert list(alias.targets.all()) == [account]
    shadowing = client.post(
        "/admin/jmapcore/alias/add/",
        {"domain": domain.pk, "local_part": "Ann", "targets": [account.pk]},
        HTTP_HOST="127.0.0.1",
    )
    assert shadowing.status_code == 200 and not Alias.objects.filter(local_part="Ann").exists()
    identities = client.get(f"/admin/jmapcore/account/{account.pk}/change/", HTTP_HOST="127.0.0.1")
    assert "ann@admin-dns.example" in identities.content.decode()


def test_make_run_starts_the_smtp_server_on_smtp_port(settings) -> None:
    from jmapcore.management.commands.runsite import site_processes

    settings.SMTP_PORT = 2600
    settings.BIND_ADDRESS = "0.0.0.0"
    smtpd = [command for command in site_processes(8000) if "smtpd" in command]
    assert len(smtpd) == 1 and smtpd[0][-4:] == ["--host", "0.0.0.0", "--port", "2600"]
