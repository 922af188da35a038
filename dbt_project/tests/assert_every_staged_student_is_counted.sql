-- Nothing leaves the calculation silently: every staged primary and junior student is in a
-- school-stage (in scope or excluded with a reason). A folded teaching point's students are
-- counted once, in its parent's part; a folded attached class's once, in its host's part.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_school_stages'}}}) }}
with staged as (
    select survey_year, sum(coalesce(students_primary, 0) + coalesce(students_junior, 0)) as students
    from {{ ref('stg_school_survey') }}
    where {{ in_history_window('survey_year') }}
    group by survey_year
),

counted as (
    select survey_year, sum(students) as students
    from {{ ref('int_school_stages') }}
    where exclusion_reason is distinct from 'teaching_point_folded_into_parent'
        and exclusion_reason is distinct from 'attached_class_folded_into_host'
    group by survey_year
)

select staged.survey_year, staged.students as staged_students, counted.students as counted_students
from staged
left join counted on staged.survey_year = counted.survey_year
where abs(staged.students - coalesce(counted.students, 0)) > 1e-6
