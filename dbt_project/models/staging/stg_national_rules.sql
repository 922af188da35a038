with source as (
    select * from {{ source('contracts', 'national_rules') }}
),

renamed as (
    select
        cast(rule as varchar) as rule,
        cast(value as double) as value,
        cast(unit as varchar) as unit,
        cast(meaning as varchar) as meaning,
        cast(source as varchar) as source
    from source
)

select * from renamed
