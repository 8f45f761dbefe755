"""The outgoing queue in the admin: listed and readable, never edited by hand."""

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from jmapcore.models import OutboundMessage
from jmapcore.services.accounts import account_create


def test_operators_see_the_queue_read_only(db):
    get_user_model().objects.create_superuser("queue-admin", "root@example.test", "pw")
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.login(username="queue-admin", password="pw")
    account = account_create("sender@admin-queue.test", None)
    queued = OutboundMessage.objects.create(
        account=account,
        mail_from=account.address,
        pending=["far@remote.test"],
        message=b"Subject: x\r\n\r\nbody\r\n",
        send_at=timezone.now(),
    )
    listing = browser.get("/admin/jmapcore/outboundmessage/")
    assert listing.status_code == 200 and b"sender@admin-queue.test" in listing.content
    page = browser.get(f"/admin/jmapcore/outboundmessage/{queued.pk}/change/")
    assert page.status_code == 200 and b"far@remote.test" in page.content
    assert b'name="_save"' not in page.content
    assert browser.get("/admin/jmapcore/outboundmessage/add/").status_code == 403
    assert browser.get("/admin/procrastinate/procrastinatejob/").status_code == 200
