-- The quality-regime test of every in-scope school-stage, as
-- docs/spec/balance-indicators.md §3 defines it: it passes when it meets at least 6 of the
-- 7 standards and reaches 85% of every one it does not meet (both numbers in
-- contracts/national_rules.csv). A missing value makes the result null only when it could
-- change it.
{%- set min_met = national_rule('quality_min_standards_met') %}
{%- set min_share = national_rule('quality_min_share_of_standard') %}
with quality_indicators as (
    select * from {{ ref('int_school_indicators') }}
    where regime = 'quality'
),

tallies as (
    select
        survey_year,
        school_key,
        school_uid,
        county_code,
        stage,
        any_value(students) as students,
        count(*) as indicators,
        count(value) as indicators_reported,
        count(*) filter (where meets_standard) as indicators_met,
        count(*) filter (where not meets_standard) as indicators_not_met,
        count(*) filter (where not {{ at_least('value', min_share ~ ' * standard') }}) as indicators_below_share,
        min(ratio_to_standard) as min_ratio_to_standard,
        {%- for code, column in quality_shortfall_columns().items() %}
        any_value(shortfall) filter (where indicator_code = '{{ code }}')
            as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from quality_indicators
    group by survey_year, school_key, school_uid, county_code, stage
),

known_failures as (
    select
        *,
        indicators_below_share > 0 or indicators_not_met > indicators - {{ min_met }} as fails_on_known_values
    from tallies
),

final as (
    select
        * exclude (indicators, indicators_not_met, indicators_below_share, fails_on_known_values),
        case
            when fails_on_known_values then false
            when indicators_reported = indicators then true
        end as passes_quality,
        case
            when not fails_on_known_values and indicators_reported < indicators then 'missing_indicator_values'
        end as passes_quality_reason
    from known_failures
)

select * from final
