-- Every row the ingest set aside, with its reason, passed through.
with quarantined_rows as (
    select * from {{ ref('stg_quarantine') }}
),

final as (
    select * from quarantined_rows
    where {{ in_survey_years('survey_year') }}
)

select * from final
