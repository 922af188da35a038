-- Both regimes' verdicts for every county, stage and survey year (the built years and the
-- one before: in_history_window), with the previous year's beside them. A verdict that
-- rests on a CV that can not be computed is null ("not assessable"), never a pass or a
-- fail; thresholds are compared unrounded.
with county_indicators as (
    select * from {{ ref('int_county_indicators') }}
),

school_quality as (
    select * from {{ ref('int_school_quality') }}
),

regime_figures as (
    select
        survey_year,
        county_code,
        stage,
        count(*) filter (where regime = 'basic') as basic_indicators,
        count(cv) filter (where regime = 'basic') as basic_cvs,
        avg(cv) filter (where regime = 'basic') as basic_cv_mean,
        any_value(cv_threshold) filter (where regime = 'basic') as basic_cv_threshold,
        count(*) filter (where regime = 'quality') as quality_indicators,
        count(cv) filter (where regime = 'quality') as quality_cvs,
        avg(cv) filter (where regime = 'quality') as quality_cv_mean,
        max(cv) filter (where regime = 'quality') as quality_max_cv,
        any_value(cv_threshold) filter (where regime = 'quality') as quality_cv_threshold,
        count(*) filter (where regime = 'quality' and cv <= cv_threshold) as quality_indicators_within_threshold,
        count(*) filter (where regime = 'quality' and cv > cv_threshold) as quality_indicators_over_threshold,
        string_agg(distinct indicator_code || ': ' || cv_reason, ', ' order by indicator_code || ': ' || cv_reason)
            filter (where cv is null) as assessable_reason
    from county_indicators
    group by survey_year, county_code, stage
),

school_stage_figures as (
    select
        survey_year,
        county_code,
        stage,
        count(*) as quality_school_stages,
        sum(students) as enrollment,
        count(*) filter (where passes_quality) as quality_school_stages_passing,
        count(*) filter (where not passes_quality) as quality_school_stages_failing
    from school_quality
    group by survey_year, county_code, stage
),

assessments as (
    select
        regime_figures.survey_year,
        regime_figures.county_code,
        regime_figures.stage,
        school_stage_figures.enrollment,
        regime_figures.basic_cvs = regime_figures.basic_indicators
            and regime_figures.quality_cvs = regime_figures.quality_indicators as assessable,
        regime_figures.assessable_reason,
        case when regime_figures.basic_cvs = regime_figures.basic_indicators then regime_figures.basic_cv_mean end
            as basic_composite_cv,
        regime_figures.basic_cv_threshold,
        case when regime_figures.quality_cvs = regime_figures.quality_indicators then regime_figures.quality_cv_mean end
            as quality_composite_cv,
        regime_figures.quality_max_cv,
        regime_figures.quality_cv_threshold,
        regime_figures.quality_indicators_within_threshold,
        case
            when regime_figures.quality_indicators_over_threshold > 0 then false
            when regime_figures.quality_cvs = regime_figures.quality_indicators then true
        end as quality_cv_pass,
        school_stage_figures.quality_school_stages,
        school_stage_figures.quality_school_stages_passing,
        case
            when school_stage_figures.quality_school_stages_failing > 0 then false
            when school_stage_figures.quality_school_stages_passing = school_stage_figures.quality_school_stages
                then true
        end as quality_all_school_stages_pass
    from regime_figures
    inner join school_stage_figures
        on regime_figures.survey_year = school_stage_figures.survey_year
        and regime_figures.county_code = school_stage_figures.county_code
        and regime_figures.stage = school_stage_figures.stage
),

verdicts as (
    select
        *,
        basic_composite_cv <= basic_cv_threshold as basic_pass,
        quality_cv_pass and quality_all_school_stages_pass as quality_pass
    from assessments
),

final as (
    select
        verdicts.survey_year,
        verdicts.county_code,
        verdicts.stage,
        verdicts.enrollment,
        verdicts.assessable,
        verdicts.assessable_reason,
        verdicts.basic_composite_cv,
        verdicts.basic_cv_threshold,
        verdicts.basic_pass,
        case when verdicts.basic_pass is null then 'not_assessable' end as basic_pass_reason,
        verdicts.quality_composite_cv,
        verdicts.quality_max_cv,
        verdicts.quality_cv_threshold,
        verdicts.quality_indicators_within_threshold,
        verdicts.quality_cv_pass,
        verdicts.quality_school_stages,
        verdicts.quality_school_stages_passing,
        verdicts.quality_all_school_stages_pass,
        verdicts.quality_pass,
        case
            when verdicts.quality_pass is null and verdicts.quality_cv_pass is null then 'not_assessable'
            when verdicts.quality_pass is null then 'school_stage_indicator_values_missing'
        end as quality_pass_reason,
        -- Why a decided verdict is a fail (the *_reason columns only explain a null).
        case
            when not verdicts.quality_pass and not verdicts.quality_cv_pass
                and not verdicts.quality_all_school_stages_pass
                then 'cv_over_threshold_and_school_stages_fail'
            when not verdicts.quality_pass and not verdicts.quality_cv_pass then 'cv_over_threshold'
            when not verdicts.quality_pass then 'school_stages_fail'
        end as quality_fail_reason,
        previous_year.assessable as prev_assessable,
        previous_year.basic_composite_cv as prev_basic_composite_cv,
        previous_year.basic_pass as prev_basic_pass,
        previous_year.quality_composite_cv as prev_quality_composite_cv,
        previous_year.quality_school_stages as prev_quality_school_stages,
        previous_year.quality_school_stages_passing as prev_quality_school_stages_passing,
        previous_year.quality_pass as prev_quality_pass
    from verdicts
    {{ previous_year_join('verdicts', ['county_code', 'stage']) }}
)

select * from final
