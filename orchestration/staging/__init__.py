"""Layer staging: the per-year Parquet tables dbt reads as its sources (framework-free)."""
