"""The JMAP wire protocol, in pure Python: no Django, no ORM."""
