-- A county-stage passes the quality test only when every quality CV is within its threshold
-- and every school-stage passes.
{{ config(meta={'dagster': {'ref': {'name': 'fct_county_assessment'}}}) }}
with passing as (
    select * from {{ ref('fct_county_assessment') }}
    where quality_pass
),

failing_cvs as (
    select survey_year, county_code, stage
    from {{ ref('fct_county_indicator') }}
    where regime = 'quality' and (cv is null or cv > cv_threshold)
),

failing_school_stages as (
    select survey_year, county_code, stage
    from {{ ref('fct_school_quality') }}
    where passes_quality is not true
)

select passing.*
from passing
where exists (
    select 1 from failing_cvs
    where failing_cvs.survey_year = passing.survey_year
        and failing_cvs.county_code = passing.county_code
        and failing_cvs.stage = passing.stage
)
    or exists (
        select 1 from failing_school_stages
        where failing_school_stages.survey_year = passing.survey_year
            and failing_school_stages.county_code = passing.county_code
            and failing_school_stages.stage = passing.stage
    )
