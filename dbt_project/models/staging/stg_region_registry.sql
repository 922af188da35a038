with source as (
    select * from {{ source('contracts', 'region_registry') }}
),

renamed as (
    select
        {{ region_columns() }}
    from source
)

select * from renamed
