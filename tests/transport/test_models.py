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
