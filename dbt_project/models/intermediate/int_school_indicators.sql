-- The 15 indicators of every in-scope school-stage, the built years and the one before, in
-- long form, with the standard of the quality regime and the same school-stage's value the year before.
{%- set quantities = teacher_fields() + resource_fields() %}
with school_stages as (
    select * from {{ ref('int_school_stages') }}
    where in_scope
),

indicators as (
    select * from {{ ref('stg_indicators') }}
),

amounts as (
    select
        school_stages.survey_year,
        school_stages.school_key,
        school_stages.school_uid,
        school_stages.county_code,
        school_stages.stage,
        school_stages.students,
        indicators.indicator_code,
        indicators.regime,
        indicators.per_students,
        case indicators.numerator
            {%- for field in quantities %}
            when '{{ field }}' then school_stages.{{ field }}
            {%- endfor %}
        end as amount,
        case school_stages.stage
            when 'primary' then indicators.primary_standard
            when 'junior' then indicators.junior_standard
        end as standard
    from school_stages
    cross join indicators
),

valued as (
    select
        *,
        per_students * amount / students as value,
        standard * students / per_students - amount as amount_below_standard
    from amounts
),

compared as (
    select
        *,
        {{ at_least('value', 'standard') }} as meets_standard,
        value / standard as ratio_to_standard,
        -- What the school must add to reach the standard, in the numerator's own unit
        -- (greatest() skips nulls: an unknown amount or standard stays unknown explicitly).
        case when amount_below_standard is not null then greatest(amount_below_standard, 0) end as shortfall
    from valued
),

final as (
    select
        compared.survey_year,
        compared.school_key,
        compared.school_uid,
        compared.county_code,
        compared.stage,
        compared.indicator_code,
        compared.regime,
        compared.students,
        compared.amount,
        compared.value,
        -- In scope means students > 0, so a value is null only when its numerator is.
        case when compared.value is null then 'numerator_not_reported' end as value_reason,
        previous_year.value as prev_value,
        compared.standard,
        compared.meets_standard,
        compared.ratio_to_standard,
        compared.shortfall
    from compared
    {{ previous_year_join('compared', ['school_uid', 'stage', 'indicator_code']) }}
)

select * from final
