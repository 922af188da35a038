with county_assessments as (
    select * from {{ ref('int_county_assessments') }}
),

incomplete_county_years as (
    select * from {{ ref('int_incomplete_county_years') }}
),

stages as (
    select unnest(['primary', 'junior']) as stage
),

-- A county-year that lost a file keeps a row per stage even when nothing of that stage was
-- read (its only file was corrupt): not assessable, never silently absent.
lost_stages as (
    select
        incomplete_county_years.survey_year,
        incomplete_county_years.county_code,
        stages.stage,
        false as assessable,
        'no school-stage read: files of the county could not be used' as assessable_reason
    from incomplete_county_years
    cross join stages
    where not exists (
        select 1 from county_assessments
        where county_assessments.survey_year = incomplete_county_years.survey_year
            and county_assessments.county_code = incomplete_county_years.county_code
            and county_assessments.stage = stages.stage
    )
),

every_county_stage as (
    select * from county_assessments
    union all by name
    select
        *,
        'not_assessable' as basic_pass_reason,
        'not_assessable' as quality_pass_reason
    from lost_stages
),

final as (
    select
        every_county_stage.*,
        incomplete_county_years.county_code is null as is_complete,
        incomplete_county_years.incomplete_files,
        incomplete_county_years.incomplete_reason
    from every_county_stage
    left join incomplete_county_years
        on every_county_stage.survey_year = incomplete_county_years.survey_year
        and every_county_stage.county_code = incomplete_county_years.county_code
    where {{ in_survey_years('every_county_stage.survey_year') }}
)

select * from final
