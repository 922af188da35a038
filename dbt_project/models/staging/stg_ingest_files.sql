with source as (
    select * from {{ source('staging', 'ingest_files') }}
),

renamed as (
    select
        cast(survey_year as integer) as survey_year,
        cast(source_file as varchar) as source_file,
        cast(sheet as varchar) as sheet,
        cast(status as varchar) as status,
        cast(reason_code as varchar) as reason_code,
        cast(reason as varchar) as reason,
        cast(county_code as varchar) as county_code,
        cast(rows_read as bigint) as rows_read,
        cast(rows_staged as bigint) as rows_staged,
        cast(rows_quarantined as bigint) as rows_quarantined,
        cast(rows_not_data as bigint) as rows_not_data,
        cast(not_data_kinds as varchar) as not_data_kinds,
        cast(unmatched_headers as varchar) as unmatched_headers,
        cast(declared_total_students as double) as declared_total_students,
        cast(file_sha256 as varchar) as file_sha256,
        coalesce(cast(county_incomplete as boolean), false) as county_incomplete,
        coalesce(cast(is_demo as boolean), false) as is_demo
    from source
)

select * from renamed
