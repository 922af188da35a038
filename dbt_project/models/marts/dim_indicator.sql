with indicators as (
    select * from {{ ref('stg_indicators') }}
),

final as (
    select
        indicator_code,
        regime,
        indicator_name_zh,
        indicator_name_en,
        unit,
        numerator,
        per_students,
        primary_standard,
        junior_standard,
        cv_threshold_primary,
        cv_threshold_junior,
        cv_threshold_applies_to,
        shortfall_unit
    from indicators
)

select * from final
