-- Province and prefecture figures per survey year and stage
-- (docs/spec/balance-indicators.md §5),
-- with the previous year's beside them. Built over the years of the intermediate models (the
-- built years and the one before, in_history_window) so that the first kept year finds its
-- predecessor. Each indicator's mean is also given apart for the
-- urban, town and rural school-stages (城乡, dim_school.urban_rural), and for those whose
-- 城乡 is unknown, so that the four groups' enrollments add up to the region's.
{%- set counted = ['counties', 'counties_assessable', 'counties_basic_pass', 'counties_quality_pass',
                   'school_stages', 'school_stages_quality_pass', 'share_school_stages_quality_pass',
                   'enrollment'] %}
{%- set areas = ['urban', 'town', 'rural', 'unknown'] %}
{%- set area_is = {'urban': "= 'urban'", 'town': "= 'town'", 'rural': "= 'rural'", 'unknown': 'is null'} %}
{%- set indicator_keys = 'survey_year, region_level, region_code, stage, indicator_code' %}
with regions as (
    select * from {{ ref('dim_region') }}
),

county_assessments as (
    select * from {{ ref('int_county_assessments') }}
),

school_quality as (
    select * from {{ ref('int_school_quality') }}
),

school_indicators as (
    select * from {{ ref('int_school_indicators') }}
),

schools as (
    select * from {{ ref('dim_school') }}
),

county_regions as (
    select county_code, 'province' as region_level, province_code as region_code, province_name as region_name
    from regions
    union all
    select county_code, 'prefecture' as region_level, prefecture_code as region_code, prefecture_name as region_name
    from regions
),

county_figures as (
    select
        county_assessments.survey_year,
        county_regions.region_level,
        county_regions.region_code,
        county_assessments.stage,
        count(*) as counties,
        count(*) filter (where county_assessments.assessable) as counties_assessable,
        count(*) filter (where county_assessments.basic_pass) as counties_basic_pass,
        count(*) filter (where county_assessments.quality_pass) as counties_quality_pass
    from county_assessments
    inner join county_regions on county_assessments.county_code = county_regions.county_code
    group by all
),

school_stage_figures as (
    select
        school_quality.survey_year,
        county_regions.region_level,
        county_regions.region_code,
        school_quality.stage,
        count(*) as school_stages,
        count(*) filter (where school_quality.passes_quality) as school_stages_quality_pass,
        count(*) filter (where school_quality.passes_quality) / count(*) as share_school_stages_quality_pass,
        sum(school_quality.students) as enrollment,
        {%- for area in areas %}
        coalesce(sum(school_quality.students) filter (
            where schools.urban_rural {{ area_is[area] }}
        ), 0) as enrollment_{{ area }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from school_quality
    inner join county_regions on school_quality.county_code = county_regions.county_code
    left join schools on school_quality.school_key = schools.school_key
    group by all
),

-- Each indicator's weighted mean once per region, stage, indicator and 城乡 group (and over
-- all the region's school-stages), then pivoted wide: two sums a group over the
-- school-indicator rows rather than 150 filtered ones a region (a national year: 39 s to 2 s).
-- Each sum adds the same rows in the same order as a filtered aggregate over the region
-- would, so the means are the same to the last bit.
indicator_rows as (
    select
        school_indicators.survey_year,
        county_regions.region_level,
        county_regions.region_code,
        school_indicators.stage,
        school_indicators.indicator_code,
        schools.urban_rural,
        school_indicators.students,
        school_indicators.value
    from school_indicators
    inner join county_regions on school_indicators.county_code = county_regions.county_code
    left join schools on school_indicators.school_key = schools.school_key
),

-- Two groupings rather than `grouping sets` (DuckDB adds a grouping set's rows in another
-- order than a plain `group by`, and the last bits of the means would change): over every
-- 城乡 group, and by 城乡.
indicator_area_means as (
    select
        {{ indicator_keys }},
        true as over_every_area,
        null::varchar as urban_rural,
        {{ weighted_mean('value', 'students') }} as weighted_mean
    from indicator_rows
    group by {{ indicator_keys }}
    union all
    select
        {{ indicator_keys }},
        false as over_every_area,
        urban_rural,
        {{ weighted_mean('value', 'students') }} as weighted_mean
    from indicator_rows
    group by {{ indicator_keys }}, urban_rural
),

indicator_means as (
    select
        survey_year,
        region_level,
        region_code,
        stage,
        {%- for code in indicator_codes() %}
        any_value(weighted_mean) filter (
            where indicator_code = '{{ code }}' and over_every_area
        ) as weighted_mean_{{ code | lower }},
        {%- endfor %}
        {%- for code in indicator_codes() %}
        {%- set outer_last = loop.last %}
        {%- for area in areas %}
        any_value(weighted_mean) filter (
            where indicator_code = '{{ code }}' and not over_every_area and urban_rural {{ area_is[area] }}
        ) as weighted_mean_{{ code | lower }}_{{ area }}{% if not (outer_last and loop.last) %},{% endif %}
        {%- endfor %}
        {%- endfor %}
    from indicator_area_means
    group by survey_year, region_level, region_code, stage
),

region_names as (
    select region_level, region_code, any_value(region_name) as region_name
    from county_regions
    group by region_level, region_code
),

region_figures as (
    select
        county_figures.*,
        school_stage_figures.* exclude (survey_year, region_level, region_code, stage),
        indicator_means.* exclude (survey_year, region_level, region_code, stage)
    from county_figures
    inner join school_stage_figures using (survey_year, region_level, region_code, stage)
    inner join indicator_means using (survey_year, region_level, region_code, stage)
),

final as (
    select
        region_figures.survey_year,
        region_figures.region_level,
        region_figures.region_code,
        region_names.region_name,
        region_figures.stage,
        {%- for column in counted %}
        region_figures.{{ column }},
        {%- endfor %}
        {%- for area in areas %}
        region_figures.enrollment_{{ area }},
        {%- endfor %}
        {%- for code in indicator_codes() %}
        region_figures.weighted_mean_{{ code | lower }},
        {%- endfor %}
        {%- for code in indicator_codes() %}
        {%- for area in areas %}
        region_figures.weighted_mean_{{ code | lower }}_{{ area }},
        {%- endfor %}
        {%- endfor %}
        {%- for column in counted %}
        previous_year.{{ column }} as prev_{{ column }},
        {%- endfor %}
        {%- for code in indicator_codes() %}
        previous_year.weighted_mean_{{ code | lower }}
            as prev_weighted_mean_{{ code | lower }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from region_figures
    inner join region_names
        using (region_level, region_code)
    {{ previous_year_join('region_figures', ['region_level', 'region_code', 'stage']) }}
    where {{ in_survey_years('region_figures.survey_year') }}
)

select * from final
