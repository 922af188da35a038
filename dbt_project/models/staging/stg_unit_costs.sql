with source as (
    select * from {{ source('contracts', 'unit_costs') }}
),

renamed as (
    select
        cast(quantity as varchar) as quantity,
        cast(cost_item_zh as varchar) as cost_item_zh,
        cast(cost_item_en as varchar) as cost_item_en,
        cast(unit_zh as varchar) as unit_zh,
        cast(unit_en as varchar) as unit_en,
        cast(addition_step as double) as addition_step,
        cast(yuan_per_unit as double) as yuan_per_unit,
        cast(cost_recurrence as varchar) as cost_recurrence,
        cast(basis as varchar) as basis,
        cast(source as varchar) as source
    from source
)

select * from renamed
