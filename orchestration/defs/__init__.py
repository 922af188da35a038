"""The Dagster shell of the code location, one module per layer, each holding only the
assets and checks that wrap that layer's calls: ingest (groups raw and ingest), validation,
staging, dbt (staging, intermediate and marts groups) and publish (warehouse group); with
the partitions, resources, schedule and sensor they share. orchestration/definitions.py
puts them together."""
