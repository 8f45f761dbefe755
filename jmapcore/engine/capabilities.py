"""Capabilities: what the session advertises, and what each account supports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from jmapcore.models import Account

from .querying import COLLATIONS

CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"
BLOB = "urn:ietf:params:jmap:blob"
WEBSOCKET = "urn:ietf:params:jmap:websocket"
SUBMISSION = "urn:ietf:params:jmap:submission"

# Mailbox.name is a varchar(255): a limit in octets no larger than that always fits.
# RFC 8621 4.4.2: every sort Email/query implements (jmapcore/selectors/email_query/).
EMAIL_SORT_OPTIONS = [
    "receivedAt",
    "size",
    "from",
    "to",
    "subject",
    "sentAt",
    "hasKeyword",
    "allInThreadHaveKeyword",
    "someInThreadHaveKeyword",
]
MAX_MAILBOX_NAME_OCTETS = 255


def session_capabilities() -> dict[str, dict[str, Any]]:
    return {
        CORE: {
            "maxSizeUpload": settings.JMAP_MAX_SIZE_UPLOAD,
            "maxConcurrentUpload": settings.JMAP_MAX_CONCURRENT_UPLOAD,
            "maxSizeRequest": settings.JMAP_MAX_SIZE_REQUEST,
            "maxConcurrentRequests": settings.JMAP_MAX_CONCURRENT_REQUESTS,
            "maxCallsInRequest": settings.JMAP_MAX_CALLS_IN_REQUEST,
            "maxObjectsInGet": settings.JMAP_MAX_OBJECTS_IN_GET,
            "maxObjectsInSet": settings.JMAP_MAX_OBJECTS_IN_SET,
            "collationAlgorithms": list(COLLATIONS),
        },
        MAIL: {},
        SUBMISSION: {},
        **{name: value for name, value in _extension_session_capabilities().items()},
    }


# Other modules (blob, websocket) add their capabilities here at import time.
SESSION_EXTENSIONS: dict[str, Any] = {}
ACCOUNT_EXTENSIONS: dict[str, Any] = {}


def _websocket_capability() -> dict[str, Any]:
    """RFC 8887 section 3: where to open JMAP over WebSocket, with push on it."""
    scheme, rest = settings.PUBLIC_URL.split("://", 1)
    return {"url": f"{'wss' if scheme == 'https' else 'ws'}://{rest}/jmap/ws/", "supportsPush": True}


SESSION_EXTENSIONS[WEBSOCKET] = _websocket_capability


def _extension_session_capabilities() -> dict[str, dict[str, Any]]:
    return {name: build() for name, build in SESSION_EXTENSIONS.items()}


def account_capabilities(account: Account) -> dict[str, dict[str, Any]]:
    return {
        CORE: {},
        MAIL: {
            "maxMailboxesPerEmail": None,
            "maxMailboxDepth": None,
            "maxSizeMailboxName": MAX_MAILBOX_NAME_OCTETS,
            "maxSizeAttachmentsPerEmail": settings.JMAP_MAX_SIZE_UPLOAD,
            "emailQuerySortOptions": EMAIL_SORT_OPTIONS,
            "mayCreateTopLevelMailbox": True,
        },
        SUBMISSION: _submission_capability(),
        **{name: build(account) for name, build in ACCOUNT_EXTENSIONS.items()},
    }


def _submission_capability() -> dict[str, Any]:
    """RFC 8621 1.3.2: how long a send may be held, and the EHLO extensions clients may use.

    FUTURERELEASE (RFC 4865) carries the longest hold in seconds and the latest release
    time; SIZE the largest message sent. The latest time counts from the start of the day,
    so the session (and its state) changes once a day rather than every second.
    """
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    latest = today + timedelta(seconds=settings.SUBMISSION_MAX_DELAYED_SEND)
    return {
        "maxDelayedSend": settings.SUBMISSION_MAX_DELAYED_SEND,
        "submissionExtensions": {
            "FUTURERELEASE": [
                str(settings.SUBMISSION_MAX_DELAYED_SEND),
                latest.strftime("%Y-%m-%dT%H:%M:%SZ"),
            ],
            "SIZE": [str(settings.SUBMISSION_MAX_SIZE)],
        },
    }
