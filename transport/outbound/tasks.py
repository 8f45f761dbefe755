"""The outgoing queue: procrastinate jobs in PostgreSQL, run by ``manage.py outboundworker``.

One job per outgoing message, with the queueing lock ``outbound-<id>`` so a message
is never queued twice. A job is deferred in the transaction that creates the
submission (procrastinate's Django connector uses Django's connection), scheduled
at ``sendAt``: a hold for undo or a scheduled send is only the job's start time.
After an attempt with temporary failures the job queues the next one (exponential
backoff, up to ``OUTBOUND_MAX_LIFETIME``); a sweep every minute revives jobs of a
worker that died and messages whose job was lost.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job

from jmapcore.models import OutboundMessage

from . import delivery

logger = logging.getLogger(__name__)

QUEUE = "outbound"
# Unexpected errors (a bug, the database gone) are retried this many times before the
# job fails; the sweep then queues the message again a minute later.
UNEXPECTED_ERROR_RETRIES = 10


class Backoff(BaseRetryStrategy):
    """For unexpected errors only (a bug, the database gone): SMTP outcomes never raise."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if job.attempts >= UNEXPECTED_ERROR_RETRIES:
            return None
        return RetryDecision(retry_in={"seconds": delivery.retry_delay(job.attempts + 1)})


def lock_name(outbound_id: int) -> str:
    return f"outbound-{outbound_id}"


@app.task(name="outbound.deliver", queue=QUEUE, retry=Backoff())
def deliver(outbound_id: int) -> None:
    retry_at = delivery.attempt(outbound_id)
    if retry_at is not None:
        # A new job for the next attempt; had the worker stopped right before this,
        # the sweep would queue the message again.
        _defer(outbound_id, retry_at)


def enqueue(outbound: OutboundMessage) -> None:
    """Queue the message's delivery at its ``send_at``, in the caller's transaction."""
    _defer(outbound.pk, outbound.send_at)


def _defer(outbound_id: int, when: datetime) -> None:
    job = deliver.configure(schedule_at=when, queueing_lock=lock_name(outbound_id))
    # A savepoint: the refused insert must not abort the caller's transaction.
    with contextlib.suppress(AlreadyEnqueued), transaction.atomic():
        job.defer(outbound_id=outbound_id)


def _orphans() -> list[OutboundMessage]:
    """Unfinished messages without a waiting or running job (one failed for good, or lost)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT o.id FROM {OutboundMessage._meta.db_table} o
            WHERE o.finished_at IS NULL AND NOT EXISTS (
                SELECT 1 FROM procrastinate_jobs j
                WHERE j.queueing_lock = 'outbound-' || o.id AND j.status IN ('todo', 'doing'))
            """
        )
        ids = [row[0] for row in cursor.fetchall()]
    return list(OutboundMessage.objects.filter(pk__in=ids).only("id", "send_at"))


def requeue_orphans() -> int:
    """Queue lost messages again; one still failing past its lifetime is given up (and logged)."""
    orphans = _orphans()
    now = timezone.now()
    for outbound in orphans:
        if now > delivery.deadline_of(outbound):
            logger.error(
                "Giving up outbound message %s: its deliveries kept failing unexpectedly", outbound.pk
            )
            OutboundMessage.objects.filter(pk=outbound.pk).update(finished_at=now)
            continue
        logger.warning("Queueing outbound message %s again: it had no job", outbound.pk)
        enqueue(outbound)
    return len(orphans)


@app.periodic(cron="* * * * *", periodic_id="sweep")
@app.task(name="outbound.sweep", queue=QUEUE, queueing_lock="outbound-sweep")
async def sweep(timestamp: int) -> None:
    # A job still "doing" whose worker stopped sending heartbeats was cut off mid-way.
    for job in await app.job_manager.get_stalled_jobs(queue=QUEUE):
        logger.warning("Retrying job %s of a worker that stopped", job.id)
        await app.job_manager.retry_job(job)
    await sync_to_async(requeue_orphans)()


@app.periodic(cron="17 * * * *", periodic_id="prune")
@app.task(name="outbound.prune", queue=QUEUE, queueing_lock="outbound-prune")
def prune(timestamp: int) -> None:
    """Forget sent submissions after SUBMISSION_RETENTION_DAYS, and the sent bytes with them."""
    from jmapcore.services.submissions import submissions_prune

    pruned = submissions_prune(timedelta(days=settings.SUBMISSION_RETENTION_DAYS))
    if pruned:
        logger.info("Forgot %s sent submissions", pruned)
