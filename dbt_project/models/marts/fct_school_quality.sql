with school_quality as (
    select * from {{ ref('int_school_quality') }}
),

final as (
    select * from school_quality
    where {{ in_survey_years('survey_year') }}
)

select * from final
