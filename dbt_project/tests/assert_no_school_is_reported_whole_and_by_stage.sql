-- A school reported for the whole school and again for one stage in the same year would have
-- that stage counted twice (the whole-school row's split part plus the stage row). The ingest's
-- duplicate rule keys on the reported scope, so it does not catch this: flag it for review.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_school_rows'}}}) }}
with school_rows as (
    select * from {{ ref('int_school_rows') }}
),

final as (
    select
        survey_year,
        school_uid,
        string_agg(source_file || ' [' || sheet || '] row ' || source_row, '; ' order by source_row) as source_rows
    from school_rows
    group by survey_year, school_uid
    having count(*) filter (where reported_scope = 'school') > 0
        and count(*) filter (where reported_scope <> 'school') > 0
)

select * from final
