-- The gap list (一校一册): every quality standard an in-scope school-stage does not meet,
-- with what reaching it takes in the standard's own unit (the shortfall of
-- int_school_indicators), rounded up to what can be added (contracts/unit_costs.csv:
-- whole teachers and rooms, m² and yuan to 0.1), and what that costs at the unit cost.
-- A standard whose value is unknown is not listed: only a known shortfall is costed.
with school_indicators as (
    select * from {{ ref('int_school_indicators') }}
    where regime = 'quality' and not meets_standard
),

school_quality as (
    select * from {{ ref('int_school_quality') }}
),

school_stages as (
    select * from {{ ref('int_school_stages') }}
),

schools as (
    select * from {{ ref('dim_school') }}
),

indicators as (
    select * from {{ ref('stg_indicators') }}
),

unit_costs as (
    select * from {{ ref('stg_unit_costs') }}
),

gaps as (
    select
        school_indicators.*,
        indicators.indicator_name_zh,
        indicators.indicator_name_en,
        indicators.numerator as quantity,
        unit_costs.unit_zh,
        unit_costs.unit_en,
        unit_costs.addition_step,
        unit_costs.yuan_per_unit,
        unit_costs.cost_recurrence,
        unit_costs.cost_item_zh,
        unit_costs.cost_item_en,
        unit_costs.basis as cost_basis,
        unit_costs.source as cost_source,
        -- Steps of addition_step to add, rounded up; the shortfall is first rounded to a
        -- millionth of a step so that float noise (12.300000000000001 m²) does not add a step.
        ceil(round(school_indicators.shortfall / unit_costs.addition_step, 6)) as steps
    from school_indicators
    inner join indicators on school_indicators.indicator_code = indicators.indicator_code
    left join unit_costs on indicators.numerator = unit_costs.quantity
),

final as (
    select
        gaps.survey_year,
        gaps.county_code,
        gaps.school_key,
        gaps.school_uid,
        schools.school_id,
        schools.school_name,
        gaps.stage,
        gaps.indicator_code,
        gaps.indicator_name_zh,
        gaps.indicator_name_en,
        gaps.students,
        gaps.quantity,
        gaps.amount,
        gaps.value,
        gaps.standard,
        gaps.ratio_to_standard,
        -- To a millionth of the standard's unit: drops float noise (0.03000000000000114
        -- teachers) and no standard's unit (teachers, m², yuan, rooms) needs a finer figure.
        round(gaps.shortfall, 6) as shortfall,
        round(gaps.steps * gaps.addition_step, 6) as addition,
        gaps.unit_zh as addition_unit_zh,
        gaps.unit_en as addition_unit_en,
        gaps.cost_item_zh,
        gaps.cost_item_en,
        gaps.yuan_per_unit,
        round(gaps.steps * gaps.addition_step * gaps.yuan_per_unit, 1) as estimated_cost_yuan,
        case when gaps.yuan_per_unit is null then 'no_unit_cost' end as estimated_cost_reason,
        gaps.cost_recurrence,
        gaps.cost_basis,
        gaps.cost_source,
        school_quality.passes_quality as school_stage_passes_quality,
        school_stages.source_rows
    from gaps
    inner join schools on gaps.school_key = schools.school_key
    inner join school_quality
        on gaps.survey_year = school_quality.survey_year
        and gaps.school_key = school_quality.school_key
        and gaps.stage = school_quality.stage
    inner join school_stages
        on gaps.survey_year = school_stages.survey_year
        and gaps.school_key = school_stages.school_key
        and gaps.stage = school_stages.stage
    where {{ in_survey_years('gaps.survey_year') }}
)

select * from final
