"""The VacationResponse singleton of an account (callers hold the account's write lock)."""

from __future__ import annotations

from jmapcore.changes.log import ChangeLog
from jmapcore.models import Account, VacationReply, VacationResponse

VACATION_RESPONSE = "VacationResponse"


def vacation_response_create(log: ChangeLog, account: Account) -> VacationResponse:
    vacation = VacationResponse.objects.create(account=account)
    log.created(VACATION_RESPONSE, vacation.pk)
    return vacation


def vacation_response_of(log: ChangeLog, account: Account) -> VacationResponse:
    """The account's singleton, created disabled if the account predates it."""
    vacation = VacationResponse.objects.filter(account=account).first()
    return vacation or vacation_response_create(log, account)


def vacation_response_update(log: ChangeLog, vacation: VacationResponse, **fields: object) -> None:
    """Change the setting; a new message (or switching it on again) may go to every sender once more."""
    for field, value in fields.items():
        setattr(vacation, field, value)
    vacation.save(update_fields=list(fields))
    log.updated(VACATION_RESPONSE, vacation.pk)
    VacationReply.objects.filter(account_id=vacation.account_id).delete()
