-- Class size and school size of the 2017 regime (教督〔2017〕6号), the items the survey sheets
-- can carry: each in-scope school-stage's mean class size (students / classes) against 45
-- (primary) / 50 (junior), and its school's compulsory enrollment (primary + junior
-- school-stages) against 2 000 or 2 500 by school type (contracts/size_standards.csv).
-- A figure that can not be computed is null with a reason.
with school_stages as (
    select * from {{ ref('int_school_stages') }}
    where in_scope
),

school_classes as (
    select * from {{ ref('int_school_classes') }}
),

size_standards as (
    select * from {{ ref('stg_size_standards') }}
),

school_totals as (
    select survey_year, school_key, sum(students) as school_students
    from school_stages
    group by survey_year, school_key
),

sized as (
    select
        school_stages.survey_year,
        school_stages.school_key,
        school_stages.school_uid,
        school_stages.county_code,
        school_stages.stage,
        school_stages.school_type,
        school_stages.students,
        school_classes.classes,
        coalesce(school_classes.classes_only_for_whole_school, false) as classes_only_for_whole_school,
        case when school_classes.classes > 0 then school_stages.students / school_classes.classes end
            as mean_class_size,
        class_limits.size_limit as class_size_limit,
        school_totals.school_students,
        school_limits.size_limit as school_size_limit
    from school_stages
    left join school_classes
        on school_stages.survey_year = school_classes.survey_year
        and school_stages.school_key = school_classes.school_key
        and school_stages.stage = school_classes.stage
    inner join school_totals
        on school_stages.survey_year = school_totals.survey_year
        and school_stages.school_key = school_totals.school_key
    left join size_standards as class_limits
        on class_limits.measure = 'class_size' and school_stages.stage = class_limits.applies_to
    left join size_standards as school_limits
        on school_limits.measure = 'school_size' and school_stages.school_type = school_limits.applies_to
),

final as (
    select
        survey_year,
        school_key,
        school_uid,
        county_code,
        stage,
        school_type,
        students,
        classes,
        mean_class_size,
        class_size_limit,
        mean_class_size <= class_size_limit as class_size_within_limit,
        case
            when classes is null and classes_only_for_whole_school then 'classes_only_for_whole_school'
            when classes is null then 'classes_not_reported'
            when classes = 0 then 'zero_classes'
        end as class_size_reason,
        school_students,
        school_size_limit,
        school_students <= school_size_limit as school_size_within_limit,
        case when school_size_limit is null then 'no_school_size_standard_for_type' end as school_size_reason
    from sized
    where {{ in_survey_years('survey_year') }}
)

select * from final
