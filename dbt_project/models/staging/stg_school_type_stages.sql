with source as (
    select * from {{ source('contracts', 'school_type_stages') }}
),

renamed as (
    select
        cast(school_type as varchar) as school_type,
        cast(stage as varchar) as stage,
        cast(split_weight as double) as split_weight,
        cast(nullif(exclusion_reason, '') as varchar) as exclusion_reason
    from source
)

select * from renamed
