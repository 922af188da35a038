with county_indicators as (
    select * from {{ ref('int_county_indicators') }}
),

final as (
    select * from county_indicators
    where {{ in_survey_years('survey_year') }}
)

select * from final
