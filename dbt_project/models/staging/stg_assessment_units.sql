with source as (
    select * from {{ source('contracts', 'assessment_units') }}
),

renamed as (
    select
        {{ region_columns() }}
    from source
)

select * from renamed
