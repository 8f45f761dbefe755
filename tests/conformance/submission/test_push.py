"""The worker's progress reaches clients as pushed EmailSubmission state changes."""

from __future__ import annotations

import queue

from tests.push.helpers import EventStream

from .helpers import USING, draft, submit, wait_for_status


def test_delivery_progress_is_pushed(jmap, jmap_server, other, worker):
    stream = EventStream(
        f"{jmap_server.url}/jmap/eventsource/?types=EmailSubmission&closeafter=no&ping=0",
        {"Authorization": f"Bearer {jmap.account.token}"},
    )
    try:
        stream.wait_open()
        created = submit(jmap, draft(jmap, [other.account.address]))
        submission_id = created["created"]["s"]["id"]
        wait_for_status(jmap, submission_id, other.account.address, "yes")
        final_state = jmap.call("EmailSubmission/get", {"ids": []}, USING)["state"]
        seen = []
        while final_state not in seen:
            try:
                event = stream.next(timeout=5)
            except queue.Empty:
                raise AssertionError(f"no push of state {final_state}; saw {seen}") from None
            seen.append(event.data["changed"][jmap.account_id]["EmailSubmission"])
        # The last state is the worker's own commit (the recipient's status), not the create.
        assert final_state != created["newState"]
    finally:
        stream.close()
