"""Reads that every edge shares; the audited way to reach an account."""
