with source as (
    select * from {{ source('contracts', 'indicators') }}
),

renamed as (
    select
        cast(indicator_code as varchar) as indicator_code,
        cast(regime as varchar) as regime,
        cast(indicator_name_zh as varchar) as indicator_name_zh,
        cast(indicator_name_en as varchar) as indicator_name_en,
        cast(unit as varchar) as unit,
        cast(numerator as varchar) as numerator,
        cast(per_students as double) as per_students,
        cast(nullif(primary_standard, '') as double) as primary_standard,
        cast(nullif(junior_standard, '') as double) as junior_standard,
        cast(cv_threshold_primary as double) as cv_threshold_primary,
        cast(cv_threshold_junior as double) as cv_threshold_junior,
        cast(cv_threshold_applies_to as varchar) as cv_threshold_applies_to,
        cast(nullif(shortfall_unit, '') as varchar) as shortfall_unit
    from source
)

select * from renamed
