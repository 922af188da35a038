-- The enrollment-weighted dispersion of every indicator over the in-scope school-stages of
-- each county, stage and survey year (the built years and the one before:
-- in_history_window), with the previous year's CV.
with school_indicators as (
    select * from {{ ref('int_school_indicators') }}
),

indicators as (
    select * from {{ ref('stg_indicators') }}
),

county_stage_indicators as (
    select distinct survey_year, county_code, stage, indicator_code
    from school_indicators
),

dispersion as (
    {{ enrollment_weighted_cv(
        ref('int_school_indicators'),
        ['survey_year', 'county_code', 'stage', 'indicator_code'],
        value='value',
        weight='students'
    ) }}
),

county_indicators as (
    select
        county_stage_indicators.survey_year,
        county_stage_indicators.county_code,
        county_stage_indicators.stage,
        county_stage_indicators.indicator_code,
        indicators.regime,
        coalesce(dispersion.n_school_stages, 0) as n_school_stages,
        coalesce(dispersion.enrollment, 0) as enrollment,
        dispersion.weighted_mean,
        dispersion.std,
        dispersion.cv,
        case county_stage_indicators.stage
            when 'primary' then indicators.cv_threshold_primary
            when 'junior' then indicators.cv_threshold_junior
        end as cv_threshold,
        indicators.cv_threshold_applies_to,
        coalesce(dispersion.cv_reason, case when dispersion.n_school_stages is null then 'no_values' end)
            as cv_reason
    from county_stage_indicators
    inner join indicators on county_stage_indicators.indicator_code = indicators.indicator_code
    left join dispersion
        on county_stage_indicators.survey_year = dispersion.survey_year
        and county_stage_indicators.county_code = dispersion.county_code
        and county_stage_indicators.stage = dispersion.stage
        and county_stage_indicators.indicator_code = dispersion.indicator_code
),

final as (
    select
        county_indicators.*,
        previous_year.cv as prev_cv,
        county_indicators.cv - previous_year.cv as cv_delta,
        county_indicators.cv < previous_year.cv as cv_narrowed
    from county_indicators
    {{ previous_year_join('county_indicators', ['county_code', 'stage', 'indicator_code']) }}
)

select * from final
