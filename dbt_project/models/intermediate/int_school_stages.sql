-- One row per survey year × school × stage part, for the built years and the one before
-- (in_history_window: history reads the previous one). Teaching points are folded into
-- the primary part of the parent school they name (matched by name key in the same county
-- and year); a teaching point whose
-- named parent is not found is treated as one that names none: it is a school-stage of its
-- own with at least 50 students (teaching_point_min_students, contracts/national_rules.csv)
-- and excluded below. Every part that does not enter the calculation stays here with
-- in_scope = false and its exclusion_reason (contracts/reason_codes.csv).
--
-- An attached class (附设小学班, 附设普通初中班; int_school_stage_parts) belongs to its
-- host (issue 10): filed under the host's id it is already the host's part of its stage;
-- with an identity of its own it is folded into the county-year's school its 所属学校 names
-- (parent_school_name_key; the reader takes the name before 附设…班 when no column does),
-- added to that school's part of the class's stage. A class whose host is in neither way
-- is excluded `attached_class_without_host`: it has no premises of its own to compare.
{%- set quantities = teacher_fields() + resource_fields() %}
with stage_parts as (
    select * from {{ ref('int_school_stage_parts') }}
),

school_years as (
    select * from {{ ref('int_school_years') }}
    where {{ in_history_window('survey_year') }}
),

-- Several schools of one county may share a name key; the first identity is taken.
parent_primary_parts as (
    select survey_year, county_code, school_name_key, min(school_uid) as parent_school_uid
    from stage_parts
    where not is_teaching_point and stage = 'primary' and type_exclusion_reason is null
    group by survey_year, county_code, school_name_key
),

-- Schools an attached class can belong to: any school of the county-year that is not
-- itself an attached class or a teaching point.
host_schools as (
    select survey_year, county_code, school_name_key, min(school_uid) as host_school_uid
    from stage_parts
    where not is_teaching_point and not coalesce(is_attached_class, false)
    group by survey_year, county_code, school_name_key
),

-- Identities with a part that is no attached class: a class filed under such an id is
-- that school's part already.
hosting_uids as (
    select distinct survey_year, school_uid
    from stage_parts
    where not coalesce(is_attached_class, false)
),

attributed_parts as (
    select
        stage_parts.*,
        coalesce(parent_primary_parts.parent_school_uid, host_schools.host_school_uid) as parent_school_uid,
        coalesce(stage_parts.is_attached_class, false)
            and hosting_uids.school_uid is null
            and host_schools.host_school_uid is null as is_class_without_host,
        coalesce(parent_primary_parts.parent_school_uid, host_schools.host_school_uid, stage_parts.school_uid)
            as attributed_school_uid
    from stage_parts
    left join parent_primary_parts
        on stage_parts.is_teaching_point
        and stage_parts.stage = 'primary'
        and stage_parts.survey_year = parent_primary_parts.survey_year
        and stage_parts.county_code = parent_primary_parts.county_code
        and stage_parts.parent_school_name_key = parent_primary_parts.school_name_key
    left join hosting_uids
        on stage_parts.survey_year = hosting_uids.survey_year
        and stage_parts.school_uid = hosting_uids.school_uid
    left join host_schools
        on coalesce(stage_parts.is_attached_class, false)
        and hosting_uids.school_uid is null
        and stage_parts.survey_year = host_schools.survey_year
        and stage_parts.county_code = host_schools.county_code
        and stage_parts.parent_school_name_key = host_schools.school_name_key
),

school_stage_totals as (
    select
        survey_year,
        attributed_school_uid as school_uid,
        stage,
        sum(students) as students,
        -- A quantity that one of the rows did not report makes the total unknown, not smaller.
        {%- for field in quantities %}
        case when count({{ field }}) = count(*) then sum({{ field }}) end as {{ field }},
        {%- endfor %}
        -- The part's own attributes: a folded teaching point's never, a folded attached
        -- class's where the host has no other row of the stage.
        max(stage_share) filter (where parent_school_uid is null or not is_teaching_point) as stage_share,
        bool_or(is_estimated_split) as is_estimated_split,
        coalesce(bool_or(is_joined_part), false) as is_joined_part,
        coalesce(bool_or(includes_senior_part), false) as includes_senior_part,
        coalesce(bool_and(is_class_without_host), false) as is_class_without_host,
        bool_and(is_teaching_point) filter (where parent_school_uid is null or not is_teaching_point)
            as is_teaching_point,
        any_value(type_exclusion_reason) filter (where parent_school_uid is null or not is_teaching_point)
            as type_exclusion_reason,
        any_value(parent_school_name_key) filter (where parent_school_uid is null) as parent_school_name_key,
        count(*) filter (where parent_school_uid is not null and is_teaching_point) as teaching_points_folded,
        string_agg(source_ref, '; ' order by source_ref) as source_rows,
        null::varchar as folded_into_school_uid
    from attributed_parts
    group by survey_year, attributed_school_uid, stage
),

-- The folded teaching points themselves, kept as a record of where their figures went.
folded_teaching_points as (
    select
        survey_year,
        school_uid,
        stage,
        students,
        {%- for field in quantities %}
        {{ field }},
        {%- endfor %}
        stage_share,
        is_estimated_split,
        coalesce(is_joined_part, false) as is_joined_part,
        coalesce(includes_senior_part, false) as includes_senior_part,
        false as is_class_without_host,
        is_teaching_point,
        type_exclusion_reason,
        parent_school_name_key,
        0 as teaching_points_folded,
        source_ref as source_rows,
        parent_school_uid as folded_into_school_uid
    from attributed_parts
    where parent_school_uid is not null
),

school_stages as (
    select * from school_stage_totals
    union all by name
    select * from folded_teaching_points
),

scoped as (
    select
        *,
        case
            when type_exclusion_reason is not null then type_exclusion_reason
            when folded_into_school_uid is not null and is_teaching_point then 'teaching_point_folded_into_parent'
            when folded_into_school_uid is not null then 'attached_class_folded_into_host'
            when is_class_without_host then 'attached_class_without_host'
            when is_teaching_point and students < {{ national_rule('teaching_point_min_students') }}
                then 'teaching_point_under_50_students'
            when coalesce(students, 0) = 0 then 'no_students_in_stage'
        end as exclusion_reason
    from school_stages
),

final as (
    select
        scoped.survey_year,
        school_years.school_key,
        scoped.school_uid,
        school_years.school_id,
        school_years.county_code,
        scoped.stage,
        school_years.school_type,
        school_years.ownership,
        scoped.is_teaching_point,
        scoped.students,
        {%- for field in quantities %}
        scoped.{{ field }},
        {%- endfor %}
        scoped.stage_share,
        scoped.is_estimated_split,
        scoped.is_joined_part,
        scoped.includes_senior_part,
        scoped.teaching_points_folded,
        parents.school_key as folded_into_school_key,
        scoped.is_teaching_point and scoped.stage = 'primary' and scoped.parent_school_name_key is not null
            and scoped.folded_into_school_uid is null as parent_school_not_found,
        scoped.exclusion_reason is null as in_scope,
        scoped.exclusion_reason,
        scoped.source_rows
    from scoped
    inner join school_years
        on scoped.school_uid = school_years.school_uid
        and scoped.survey_year = school_years.survey_year
    left join school_years as parents
        on scoped.folded_into_school_uid = parents.school_uid
        and scoped.survey_year = parents.survey_year
)

select * from final
