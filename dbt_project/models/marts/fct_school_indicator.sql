with school_indicators as (
    select * from {{ ref('int_school_indicators') }}
),

final as (
    select * exclude (amount) from school_indicators
    where {{ in_survey_years('survey_year') }}
)

select * from final
