"""Validation of an ingested year: pandera row checks and great-expectations data-set suites.

Framework-free: each check returns a `CheckOutcome` that the Dagster asset checks wrap.
"""
