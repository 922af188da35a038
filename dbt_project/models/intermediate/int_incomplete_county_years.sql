-- County-years a file was lost to (ingest_files.county_incomplete): which files, and why.
-- A county-year with a receipt and no staged row is one (ingest pipeline mark_receipts).
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
            -- a loaded sheet that gave nothing has no reason code, only its reason
            source_file || ': ' || coalesce(
                reason_code || coalesce(' (' || reason || ')', ''), reason, 'unknown'
            ),
            '; '
            order by source_file
        ) as incomplete_reason
    from lost_files
    group by survey_year, county_code
)

select * from final
