"""The JMAP Session resource (RFC 8620 section 2)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from jmapcore.engine.capabilities import account_capabilities, session_capabilities
from jmapcore.models import Account
from jmapcore.selectors.accounts import accessible_accounts

from .auth import AuthFailed, authenticate
from .responses import json_response


def urls() -> dict[str, str]:
    base = settings.PUBLIC_URL
    return {
        "apiUrl": f"{base}/jmap/api/",
        "downloadUrl": f"{base}/jmap/download/{{accountId}}/{{blobId}}/{{name}}?accept={{type}}",
        "uploadUrl": f"{base}/jmap/upload/{{accountId}}/",
        "eventSourceUrl": f"{base}/jmap/eventsource/?types={{types}}&closeafter={{closeafter}}&ping={{ping}}",
    }


def _account_json(account: Account) -> dict[str, Any]:
    return {
        "name": account.address,
        "isPersonal": True,
        "isReadOnly": False,
        "accountCapabilities": account_capabilities(account),
    }


def build_session(user, accounts: dict[str, Account]) -> dict[str, Any]:
    capabilities = session_capabilities()
    primary = next(iter(accounts), None)
    accounts_json = {jmap_id: _account_json(account) for jmap_id, account in accounts.items()}
    # RFC 8620 section 2: keyed by capabilities "as found in accountCapabilities";
    # "urn:ietf:params:jmap:core SHOULD NOT be present".
    primary_capabilities = accounts_json[primary]["accountCapabilities"] if primary else {}
    session: dict[str, Any] = {
        "capabilities": capabilities,
        "accounts": accounts_json,
        # RFC 8620 says core SHOULD NOT be listed; it is on purpose (the product's brief):
        # several clients look up the account for uploads and Core/echo there.
        "primaryAccounts": {name: primary for name in primary_capabilities},
        "username": user.get_username(),
        **urls(),
    }
    session["state"] = session_state(session)
    return session


def session_state(session: dict[str, Any]) -> str:
    """Changes whenever anything in the session does (accounts, capabilities, URLs)."""
    without_state = {key: value for key, value in session.items() if key != "state"}
    encoded = json.dumps(without_state, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


@csrf_exempt
def session_view(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    try:
        caller = authenticate(request)
    except AuthFailed as failure:
        return failure.response
    return json_response(build_session(caller.user, accessible_accounts(caller.user)), request=request)
