-- Classes (班级数) per school-stage and survey year, from the staged rows: each row gives
-- the classes of the stages it reports; a folded teaching point's classes go, like its
-- students, to its parent's primary part. A row that reported the stage without a classes
-- column makes the total unknown, not smaller.
with school_rows as (
    select * from {{ ref('int_school_rows') }}
    where {{ in_history_window('survey_year') }}
),

school_stages as (
    select * from {{ ref('int_school_stages') }}
),

row_stages as (
    select survey_year, school_uid, 'primary' as stage, classes_primary as classes, classes_whole
    from school_rows
    where reported_scope in ('school', 'primary')
    union all
    select survey_year, school_uid, 'junior' as stage, classes_junior as classes, classes_whole
    from school_rows
    where reported_scope in ('school', 'junior')
),

attributed as (
    select
        school_stages.survey_year,
        coalesce(school_stages.folded_into_school_key, school_stages.school_key) as school_key,
        row_stages.stage,
        row_stages.classes,
        row_stages.classes_whole
    from row_stages
    inner join school_stages
        on row_stages.survey_year = school_stages.survey_year
        and row_stages.school_uid = school_stages.school_uid
        and row_stages.stage = school_stages.stage
),

final as (
    select
        survey_year,
        school_key,
        stage,
        case when count(classes) = count(*) then sum(classes) end as classes,
        bool_or(classes is null and classes_whole is not null) as classes_only_for_whole_school
    from attributed
    group by survey_year, school_key, stage
)

select * from final
