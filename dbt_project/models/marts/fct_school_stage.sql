with school_stages as (
    select * from {{ ref('int_school_stages') }}
),

final as (
    select * from school_stages
    where {{ in_survey_years('survey_year') }}
)

select * from final
