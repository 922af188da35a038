-- What each staged row gives to each stage part of its school
-- (docs/spec/balance-indicators.md §1):
-- a row scoped to one stage is that part as reported; a row scoped 'school' is split by
-- the national shares of contracts/school_type_stages.csv (weights 1 : 1.1 : 1.32 and
-- 1 : 1.2), the file the Python reader reads for the stages each type teaches. Teachers are
-- taken per stage as reported; a whole-school count is split by the same share and the part
-- is marked estimated. A teaching point's row gives its
-- primary part, to itself or, when folded, to its parent school (int_school_stages).
-- Students of a stage the school type does not have are never dropped: they form a part
-- excluded as 'stage_not_offered_by_school_type'.
--
-- One school in two stage files (the statistics system's per-stage exports): a school with
-- a row scoped 'primary' and a row scoped 'junior' in one year whose resources agree (every
-- resource both rows report is equal, and at least one of them is above 0) repeats its
-- whole-school resources in each file. The two rows are joined: the resources are taken
-- once and split by the shares of both rows' enrollments, exactly as for a school reported
-- on one row; students and teachers stay as each row reports them. Rows whose resources
-- differ were reported per stage and are kept as they are.
--
-- An attached class (附设小学班 219, 附设普通初中班 319) is a row scoped to the one stage a
-- one-stage type teaches: only a type with a `part` in school_types.csv gives such a row. It
-- is its host's part of that stage, never joined or split (int_school_stages finds the host).
-- A stage-scoped row of a school with a senior part (a type that teaches 'senior': 完全中学,
-- 十二年一贯制) whose shares do not weigh a senior enrollment keeps any whole-school resources
-- it repeats with the senior part inside: such a part is flagged `includes_senior_part`
-- (docs/marts.md). Both are decided from school_type_stages.csv alone, as the reader decides
-- them (orchestration/ingest/records.py: _is_attached_class, _may_include_senior_part).
with school_rows as (
    select * from {{ ref('int_school_rows') }}
    where {{ in_history_window('survey_year') }}
),

stage_split_weights as (
    select * from {{ ref('stg_school_type_stages') }}
),

-- The stage of a type that teaches one only.
one_stage_types as (
    select school_type, any_value(stage) as only_stage
    from stage_split_weights
    group by school_type
    having count(*) = 1
),

types_with_senior_part as (
    select school_type
    from stage_split_weights
    where stage = 'senior'
),

-- A type's exclusion reason holds for its parts in every stage, taught or not.
type_exclusions as (
    select school_type, any_value(exclusion_reason) as exclusion_reason
    from stage_split_weights
    group by school_type
),

typed_rows as (
    select
        school_rows.*,
        case when school_rows.is_teaching_point then 'teaching_point' else school_rows.school_type end
            as stage_type,
        case when school_rows.reported_scope = 'school' then null else school_rows.reported_scope end
            as scoped_stage,
        coalesce(
            not school_rows.is_teaching_point and school_rows.reported_scope = one_stage_types.only_stage,
            false
        ) as is_attached_class,
        coalesce(
            school_rows.school_type in (select types_with_senior_part.school_type from types_with_senior_part),
            false
        )
            as has_senior_part
    from school_rows
    left join one_stage_types on school_rows.school_type = one_stage_types.school_type
),

-- Each stage-scoped row's enrollment weighed for the shares: its own stage, plus the senior
-- students a twelve-year school's row may give (the senior part weighs in the shares only).
scoped_rows as (
    select
        typed_rows.*,
        own_weight.split_weight * case typed_rows.scoped_stage
            when 'primary' then coalesce(typed_rows.students_primary, 0)
            else coalesce(typed_rows.students_junior, 0)
        end as weighted_students,
        own_weight.split_weight as own_split_weight,
        coalesce(senior_weight.split_weight * typed_rows.students_senior, 0) as weighted_senior_students
    from typed_rows
    inner join stage_split_weights as own_weight
        on typed_rows.stage_type = own_weight.school_type
        and typed_rows.scoped_stage = own_weight.stage
    left join stage_split_weights as senior_weight
        on typed_rows.stage_type = senior_weight.school_type
        and senior_weight.stage = 'senior'
    where typed_rows.scoped_stage is not null and not typed_rows.is_teaching_point
        and not typed_rows.is_attached_class
),

-- Figures that agree: equal up to the last bits of a double (万元 × 10 000 in one file, 元 in
-- the other), or reported by one row only.
joined_schools as (
    select
        primary_row.survey_year,
        primary_row.school_uid,
        primary_row.weighted_students + junior_row.weighted_students
            + greatest(primary_row.weighted_senior_students, junior_row.weighted_senior_students)
            as joined_weighted_students,
        greatest(primary_row.weighted_senior_students, junior_row.weighted_senior_students)
            as joined_weighted_senior_students,
        primary_row.own_split_weight + junior_row.own_split_weight as joined_split_weights,
        {%- for field in resource_fields() %}
        coalesce(primary_row.{{ field }}, junior_row.{{ field }}) as joined_{{ field }},
        {%- endfor %}
        primary_row.source_file || ' [' || primary_row.sheet || '] row ' || primary_row.source_row
            || '; ' || junior_row.source_file || ' [' || junior_row.sheet || '] row ' || junior_row.source_row
            as joined_source_ref
    from scoped_rows as primary_row
    inner join scoped_rows as junior_row
        on primary_row.survey_year = junior_row.survey_year
        and primary_row.school_uid = junior_row.school_uid
        and primary_row.scoped_stage = 'primary'
        and junior_row.scoped_stage = 'junior'
    where
        {%- for field in resource_fields() %}
        (
            primary_row.{{ field }} is null or junior_row.{{ field }} is null
            or abs(primary_row.{{ field }} - junior_row.{{ field }})
                <= 1e-9 * greatest(abs(primary_row.{{ field }}), abs(junior_row.{{ field }}))
        ) and
        {%- endfor %}
        ({%- for field in resource_fields() %}
            least(primary_row.{{ field }}, junior_row.{{ field }}) > 0{% if not loop.last %} or{% endif %}
        {%- endfor %})
    -- A school with several rows of one stage (a name shared across years) is never guessed at.
    qualify count(*) over (partition by primary_row.survey_year, primary_row.school_uid) = 1
),

joined_rows as (
    select
        typed_rows.* exclude ({{ resource_fields() | join(', ') }}),
        {%- for field in resource_fields() %}
        case
            when joined_schools.school_uid is null then typed_rows.{{ field }}
            else joined_schools.joined_{{ field }}
        end as {{ field }},
        {%- endfor %}
        joined_schools.school_uid is not null as is_joined_part,
        joined_schools.joined_weighted_students,
        joined_schools.joined_weighted_senior_students,
        joined_schools.joined_split_weights,
        joined_schools.joined_source_ref
    from typed_rows
    left join joined_schools
        on typed_rows.scoped_stage is not null
        and not typed_rows.is_teaching_point
        and not typed_rows.is_attached_class
        and typed_rows.survey_year = joined_schools.survey_year
        and typed_rows.school_uid = joined_schools.school_uid
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
    from joined_rows as typed_rows
    cross join (values ('primary'), ('junior'), ('senior')) as candidate (stage)
    where typed_rows.scoped_stage is null or typed_rows.scoped_stage = candidate.stage
),

row_stages as (
    select
        candidate_stages.*,
        coalesce(stage_split_weights.split_weight, 0) as split_weight,
        case
            when type_exclusions.exclusion_reason is not null then type_exclusions.exclusion_reason
            when stage_split_weights.stage is null then 'stage_not_offered_by_school_type'
        end as type_exclusion_reason
    from candidate_stages
    left join stage_split_weights
        on candidate_stages.stage_type = stage_split_weights.school_type
        and candidate_stages.stage = stage_split_weights.stage
    left join type_exclusions
        on candidate_stages.stage_type = type_exclusions.school_type
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
            when is_joined_part then coalesce(
                split_weight * stage_students / nullif(joined_weighted_students, 0),
                split_weight / joined_split_weights
            )
            when scoped_stage is not null then 1.0
            when sum(split_weight * stage_students) over by_row > 0
                then split_weight * stage_students / sum(split_weight * stage_students) over by_row
            -- A row with no students (a teaching point listed with none this year) still
            -- reports resources: they go by the weights alone, all of them to a one-stage type.
            else split_weight / nullif(sum(split_weight) over by_row, 0)
        end as stage_share
    from row_stages
    -- Ordered by stage (primary, junior, senior) over the whole row: a sum of doubles
    -- depends on the order it adds them, and without an order that is the order the rows
    -- arrive in, which changes with the years a run builds (a one-year rebuild differed
    -- from a full build in the last bit).
    window by_row as (
        partition by school_row_key
        order by case stage when 'primary' then 1 when 'junior' then 2 else 3 end
        rows between unbounded preceding and unbounded following
    )
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
        coalesce(joined_source_ref, source_file || ' [' || sheet || '] row ' || source_row) as source_ref,
        survey_year,
        school_uid,
        county_code,
        school_name_key,
        is_teaching_point,
        is_attached_class,
        parent_school_name_key,
        stage,
        type_exclusion_reason,
        stage_share,
        is_joined_part,
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
        ), false) as is_estimated_split,
        -- One stage's row of a school with a senior part, its resources taken whole: the
        -- senior enrollment that would split them off is not on the row (nor on its join).
        coalesce(
            scoped_stage is not null and has_senior_part
            and not (is_joined_part and joined_weighted_senior_students > 0)
            and greatest(
                {%- for field in resource_fields() %}
                coalesce({{ field }}, 0){% if not loop.last %},{% endif %}
                {%- endfor %}
            ) > 0,
            false
        ) as includes_senior_part
    from stage_teachers
)

select * from final
