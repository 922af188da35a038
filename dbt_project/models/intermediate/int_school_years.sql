-- One row per school and survey year: the school's attributes that year and the version
-- of dim_school (slowly changing, type 2) they belong to. A change of any tracked
-- attribute (a rename, a new type, ...) starts a new version; a school last seen before
-- its county's latest staged year is closed (merged or shut) at that year.
{%- set tracked_attributes = ['school_name', 'school_type', 'ownership', 'urban_rural', 'county_code'] %}
with school_rows as (
    select * from {{ ref('int_school_rows') }}
),

-- The whole-school row speaks for the school when a year has several (one per stage).
school_years as (
    select
        survey_year,
        school_uid,
        school_id,
        school_id_conflict,
        school_name_key,
        {{ tracked_attributes | join(', ') }}
    from school_rows
    qualify row_number() over (
        partition by school_uid, survey_year
        order by reported_scope = 'school' desc, source_file asc, sheet asc, source_row asc
    ) = 1
),

county_latest_years as (
    select county_code, max(survey_year) as county_latest_year
    from school_rows
    group by county_code
),

version_starts as (
    select
        *,
        case
            when lag(survey_year) over by_year is null then 1
            {%- for attribute in tracked_attributes %}
            -- in parentheses: sqlfluff's duckdb dialect parses `is distinct from` in a `when` no other way
            when ({{ attribute }} is distinct from lag({{ attribute }}) over by_year) then 1
            {%- endfor %}
            else 0
        end as starts_version
    from school_years
    window by_year as (partition by school_uid order by survey_year)
),

versioned as (
    select
        *,
        sum(starts_version) over (partition by school_uid order by survey_year) as version_number
    from version_starts
),

version_spans as (
    select
        *,
        min(survey_year) over by_version as valid_from_year,
        max(survey_year) over by_version as last_year_seen,
        max(version_number) over (partition by school_uid) as latest_version_number
    from versioned
    window by_version as (partition by school_uid, version_number)
),

currency as (
    select
        version_spans.survey_year,
        version_spans.school_uid || '@' || version_spans.valid_from_year as school_key,
        version_spans.school_uid,
        version_spans.school_id,
        version_spans.school_id_conflict,
        version_spans.school_name_key,
        {%- for attribute in tracked_attributes %}
        version_spans.{{ attribute }},
        {%- endfor %}
        cast(version_spans.version_number as integer) as version_number,
        version_spans.valid_from_year,
        version_spans.version_number = version_spans.latest_version_number
            and version_spans.last_year_seen = county_latest_years.county_latest_year as is_current,
        version_spans.last_year_seen
    from version_spans
    inner join county_latest_years on version_spans.county_code = county_latest_years.county_code
),

final as (
    select
        * exclude (last_year_seen),
        case when not is_current then last_year_seen end as valid_to_year
    from currency
)

select * from final
