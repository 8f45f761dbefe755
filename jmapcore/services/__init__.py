"""Writes: the only code that changes an account's rows, always through the change log."""
