"""Junheng's Dagster code location and the framework-free ingest logic beneath it."""
