-- Staged school rows with a school identity that holds across years and the floor-area
-- rule of docs/spec/balance-indicators.md §1 applied.
with school_rows as (
    select * from {{ ref('stg_school_survey') }}
),

identified_names as (
    select distinct survey_year, county_code, school_name_key, school_id
    from school_rows
    where school_id is not null
),

-- A row without an id takes the id of an id'd row with the same county and name key: the
-- same year first, else the nearest year (the later one on a tie).
borrowed_ids as (
    select
        school_rows.school_row_key,
        identified_names.school_id
    from school_rows
    inner join identified_names
        on school_rows.county_code = identified_names.county_code
        and school_rows.school_name_key = identified_names.school_name_key
    where school_rows.school_id is null
    qualify row_number() over (
        partition by school_rows.school_row_key
        order by
            abs(identified_names.survey_year - school_rows.survey_year) asc,
            identified_names.survey_year desc,
            identified_names.school_id asc
    ) = 1
),

-- The id of each row, as reported or borrowed within its county.
row_ids as (
    select
        school_rows.school_row_key,
        school_rows.survey_year,
        school_rows.county_code,
        coalesce(school_rows.school_id, borrowed_ids.school_id) as school_id
    from school_rows
    left join borrowed_ids on school_rows.school_row_key = borrowed_ids.school_row_key
),

-- An id that schools of two counties hold in one survey year (a typo, a copy slip, a
-- province's own numbering) is no national identity: in every year, each county's school of
-- that id is told apart by its county (docs/marts.md, "School identity"). The same id in two
-- counties in different years only is one school that moved (or a county re-coded).
conflicting_ids as (
    -- distinct: an id two counties claim in several years is listed once
    select distinct school_id  -- noqa: AM01
    from row_ids
    where school_id is not null
    group by survey_year, school_id
    having count(distinct county_code) > 1
),

final as (
    select
        school_rows.* exclude (school_id, teaching_area_m2, sports_area_m2),  -- noqa: RF02
        row_ids.school_id,
        conflicting_ids.school_id is not null as school_id_conflict,
        case
            when conflicting_ids.school_id is not null
                then school_rows.county_code || ':' || row_ids.school_id
            else coalesce(row_ids.school_id, school_rows.county_code || ':' || school_rows.school_name_key)
        end as school_uid,
        -- 是否计校数 = 0 on a row reporting one part of a school (an attached class, 附设小学班)
        -- says the part is no school of its own, not that it is a teaching point.
        coalesce(
            school_rows.school_type = 'teaching_point'
            or (not school_rows.counts_as_school and school_rows.reported_scope = 'school'),
            false
        ) as is_teaching_point,
        -- The statistics form reports 运动场地面积 and 室内体育用房 apart and counts the
        -- indoor sports rooms inside 教学及辅助用房; a sheet's own 体育运动场馆面积 wins.
        case
            when school_rows.sports_area_m2 is not null then school_rows.teaching_area_m2
            else school_rows.teaching_area_m2 - coalesce(school_rows.indoor_sports_m2, 0)
        end as teaching_area_m2,
        case
            when school_rows.sports_area_m2 is not null then school_rows.sports_area_m2
            when school_rows.sports_ground_m2 is not null or school_rows.indoor_sports_m2 is not null
                then coalesce(school_rows.sports_ground_m2, 0) + coalesce(school_rows.indoor_sports_m2, 0)
        end as sports_area_m2
    from school_rows
    inner join row_ids on school_rows.school_row_key = row_ids.school_row_key
    left join conflicting_ids on row_ids.school_id = conflicting_ids.school_id
)

select * from final
