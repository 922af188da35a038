-- One row per school version (Kimball type 2, from the yearly data itself): built from
-- every staged year whatever var('survey_years') says, so that every year's facts find
-- the version valid that year.
with school_years as (
    select * from {{ ref('int_school_years') }}
),

final as (
    select
        school_key,
        school_uid,
        any_value(school_id) as school_id,
        bool_or(school_id_conflict) as school_id_conflict,
        any_value(school_name) as school_name,
        any_value(school_name_key) as school_name_key,
        any_value(school_type) as school_type,
        any_value(ownership) as ownership,
        any_value(urban_rural) as urban_rural,
        any_value(county_code) as county_code,
        any_value(version_number) as version_number,
        min(valid_from_year) as valid_from_year,
        any_value(valid_to_year) as valid_to_year,
        bool_or(is_current) as is_current
    from school_years
    group by school_key, school_uid
)

select * from final
