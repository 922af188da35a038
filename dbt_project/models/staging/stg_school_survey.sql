with source as (
    select * from {{ source('staging', 'school_survey') }}
),

renamed as (
    select
        md5(concat_ws('|', survey_year, source_file, sheet, source_row)) as school_row_key,
        cast(survey_year as integer) as survey_year,
        cast(source_file as varchar) as source_file,
        cast(sheet as varchar) as sheet,
        cast(source_row as integer) as source_row,
        cast(county_code as varchar) as county_code,
        cast(school_id as varchar) as school_id,
        cast(school_name as varchar) as school_name,
        cast(school_name_key as varchar) as school_name_key,
        cast(school_type as varchar) as school_type,
        cast(reported_scope as varchar) as reported_scope,
        cast(ownership as varchar) as ownership,
        cast(urban_rural as varchar) as urban_rural,
        cast(counts_as_school as boolean) as counts_as_school,
        cast(parent_school_name as varchar) as parent_school_name,
        cast(parent_school_name_key as varchar) as parent_school_name_key,
        cast(students_primary as double) as students_primary,
        cast(students_junior as double) as students_junior,
        cast(students_senior as double) as students_senior,
        {%- for field in teacher_fields() %}
        {%- for part in ['primary', 'junior', 'whole'] %}
        cast({{ field }}_{{ part }} as double) as {{ field }}_{{ part }},
        {%- endfor %}
        {%- endfor %}
        {%- for part in ['primary', 'junior', 'whole'] %}
        cast(classes_{{ part }} as double) as classes_{{ part }},
        {%- endfor %}
        cast(teaching_area_m2 as double) as teaching_area_m2,
        cast(sports_area_m2 as double) as sports_area_m2,
        cast(sports_ground_m2 as double) as sports_ground_m2,
        cast(indoor_sports_m2 as double) as indoor_sports_m2,
        cast(equipment_value_yuan as double) as equipment_value_yuan,
        cast(computers as double) as computers,
        cast(books as double) as books,
        cast(multimedia_rooms as double) as multimedia_rooms
    from source
)

select * from renamed
