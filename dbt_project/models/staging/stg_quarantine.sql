with source as (
    select * from {{ source('staging', 'quarantine') }}
),

renamed as (
    select
        cast(survey_year as integer) as survey_year,
        cast(source_file as varchar) as source_file,
        cast(sheet as varchar) as sheet,
        cast(source_row as integer) as source_row,
        cast(county_code as varchar) as county_code,
        cast(school_name as varchar) as school_name,
        cast(caught_by as varchar) as caught_by,
        cast(reason_code as varchar) as reason_code,
        cast(reason as varchar) as reason,
        cast(raw_values as varchar) as raw_values
    from source
)

select * from renamed
