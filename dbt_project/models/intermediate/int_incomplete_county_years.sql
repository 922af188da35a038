-- County-years a file was lost to (ingest_files.county_incomplete): which files, and why.
with receipts as (
    select * from {{ ref('stg_ingest_files') }}
),

lost_files as (
    select survey_year, county_code, source_file, reason_code, reason
    from receipts
    where county_incomplete and survey_year is not null and county_code is not null
),

final as (
    select
        survey_year,
        county_code,
        string_agg(distinct source_file, '; ' order by source_file) as incomplete_files,
        string_agg(
            source_file || ': ' || coalesce(reason_code, 'unknown') || coalesce(' (' || reason || ')', ''),
            '; '
            order by source_file
        ) as incomplete_reason
    from lost_files
    group by survey_year, county_code
)

select * from final
