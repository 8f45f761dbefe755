"""Benchmarks over real HTTP against a daphne process (``make bench``)."""
