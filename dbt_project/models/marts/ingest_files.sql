-- The receipt of every file and sheet the ingest read, passed through.
with ingest_files as (
    select * from {{ ref('stg_ingest_files') }}
),

final as (
    select * from ingest_files
    -- A file whose year can not be told has no survey year; it is part of every run's receipt.
    where survey_year is null or {{ in_survey_years('survey_year') }}
)

select * from final
