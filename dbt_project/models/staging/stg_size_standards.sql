with source as (
    select * from {{ source('contracts', 'size_standards') }}
),

renamed as (
    select
        cast(measure as varchar) as measure,
        cast(applies_to as varchar) as applies_to,
        cast("limit" as double) as size_limit,
        cast(source as varchar) as source
    from source
)

select * from renamed
