-- County-level units: the national code table, and the local assessment units that the
-- deployment declares in contracts/assessment_units.csv (which win on a shared code).
with registry as (
    select * from {{ ref('stg_region_registry') }}
),

assessment_units as (
    select * from {{ ref('stg_assessment_units') }}
),

regions as (
    select *, true as is_assessment_unit from assessment_units
    union all
    select *, false as is_assessment_unit from registry
    where registry.county_code not in (select assessment_units.county_code from assessment_units)
),

final as (
    select
        county_code,
        county_name,
        prefecture_code,
        prefecture_name,
        province_code,
        province_name,
        is_assessment_unit
    from regions
)

select * from final
