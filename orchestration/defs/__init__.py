"""The assets of the code location, one module per layer: ingest (raw, ingest and
validation groups), staging, dbt (marts) and warehouse."""
