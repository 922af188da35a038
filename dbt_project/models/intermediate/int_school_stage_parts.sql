-- What each staged row gives to each stage part of its school (balance-indicators.md §1):
-- a row scoped to one stage is that part as reported; a row scoped 'school' is split by
-- the national shares of seeds/stage_split_weights.csv (weights 1 : 1.1 : 1.32 and
-- 1 : 1.2). Teachers are taken per stage as reported; a whole-school count is split by
-- the same share and the part is marked estimated. A teaching point's row gives its
-- primary part, to itself or, when folded, to its parent school (int_school_stages).
-- Students of a stage the school type does not have are never dropped: they form a part
-- excluded as 'stage_not_offered_by_school_type'.
with school_rows as (
    select * from {{ ref('int_school_rows') }}
),

stage_split_weights as (
    select * from {{ ref('stage_split_weights') }}
),

typed_rows as (
    select
        *,
        case when is_teaching_point then 'teaching_point' else school_type end as stage_type,
        case when reported_scope = 'school' then null else reported_scope end as scoped_stage
    from school_rows
),

-- The stages of the row's type, and any other compulsory stage the row reports students in
-- (a teaching point's junior students, a primary school's attached junior classes): such a
-- part is kept, excluded with a reason, and takes no share of the resources.
candidate_stages as (
    select
        typed_rows.*,
        candidate.stage,
        case candidate.stage
            when 'primary' then coalesce(typed_rows.students_primary, 0)
            when 'junior' then coalesce(typed_rows.students_junior, 0)
            when 'senior' then coalesce(typed_rows.students_senior, 0)
        end as stage_students
    from typed_rows
    cross join (values ('primary'), ('junior'), ('senior')) as candidate (stage)
    where typed_rows.scoped_stage is null or typed_rows.scoped_stage = candidate.stage
),

row_stages as (
    select
        candidate_stages.*,
        coalesce(stage_split_weights.split_weight, 0) as split_weight,
        case
            when stage_split_weights.stage is null then 'stage_not_offered_by_school_type'
            else stage_split_weights.exclusion_reason
        end as type_exclusion_reason
    from candidate_stages
    left join stage_split_weights
        on candidate_stages.stage_type = stage_split_weights.school_type
        and candidate_stages.stage = stage_split_weights.stage
    where stage_split_weights.stage is not null
        or (
            candidate_stages.stage <> 'senior'
            and (candidate_stages.stage_students > 0 or candidate_stages.scoped_stage is not null)
        )
),

shared as (
    select
        *,
        case
            when scoped_stage is not null then 1.0
            when sum(split_weight * stage_students) over by_row > 0
                then split_weight * stage_students / sum(split_weight * stage_students) over by_row
            -- A row with no students (a teaching point listed with none this year) still
            -- reports resources: they go by the weights alone, all of them to a one-stage type.
            else split_weight / nullif(sum(split_weight) over by_row, 0)
        end as stage_share
    from row_stages
    window by_row as (partition by school_row_key)
),

stage_teachers as (
    select
        *,
        {%- for field in teacher_fields() %}
        case stage
            when 'primary' then {{ field }}_primary
            when 'junior' then {{ field }}_junior
        end as {{ field }}_reported{% if not loop.last %},{% endif %}
        {%- endfor %}
    from shared
    -- The senior part of a twelve-year or complete middle school only weighs in the shares.
    where stage in ('primary', 'junior')
),

final as (
    select
        school_row_key,
        -- Where the figures come from, so that a bureau can find the cell: file [sheet] row.
        source_file || ' [' || sheet || '] row ' || source_row as source_ref,
        survey_year,
        school_uid,
        county_code,
        school_name_key,
        is_teaching_point,
        parent_school_name_key,
        stage,
        type_exclusion_reason,
        stage_share,
        stage_students as students,
        {%- for field in teacher_fields() %}
        coalesce({{ field }}_reported, {{ field }}_whole * stage_share) as {{ field }},
        {%- endfor %}
        {%- for field in resource_fields() %}
        {{ field }} * stage_share as {{ field }},
        {%- endfor %}
        coalesce(stage_share < 1 and (
            {%- for field in teacher_fields() %}
            ({{ field }}_reported is null and {{ field }}_whole is not null)
            {%- if not loop.last %} or{% endif %}
            {%- endfor %}
        ), false) as is_estimated_split
    from stage_teachers
)

select * from final
