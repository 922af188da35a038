with county_assessments as (
    select * from {{ ref('int_county_assessments') }}
),

final as (
    select * from county_assessments
    where {{ in_survey_years('survey_year') }}
)

select * from final
