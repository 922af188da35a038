with source as (
    select * from {{ source('contracts', 'region_registry') }}
),

renamed as (
    select
        cast(county_code as varchar) as county_code,
        cast(county_name as varchar) as county_name,
        cast(prefecture_code as varchar) as prefecture_code,
        cast(prefecture_name as varchar) as prefecture_name,
        cast(province_code as varchar) as province_code,
        cast(province_name as varchar) as province_name
    from source
)

select * from renamed
