"""Imported by the forkserver of the reader workers (orchestration/ingest/isolation.py):
the vocabulary and region registry are loaded once there, and every worker forked from it
starts with them."""

from orchestration.ingest.isolation import _warm_caches

_warm_caches()
