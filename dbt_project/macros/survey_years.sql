{#- The survey years a build is for: var('survey_years') (a list, one year, or a JSON list as
    text); an empty list means every staged year. -#}
{% macro survey_years_var() -%}
    {%- set years = var('survey_years', []) -%}
    {%- if years is string -%}
        {%- set years = fromjson(years) if years.startswith('[') else [years] -%}
    {%- elif years is number -%}
        {%- set years = [years] -%}
    {%- endif -%}
    {{ return(years | map('int') | list) }}
{%- endmacro %}

{#- The fact models keep the survey years of var('survey_years'); none given keeps all. -#}
{% macro in_survey_years(column) -%}
    {%- set years = survey_years_var() -%}
    {%- if years | length == 0 -%}
        true
    {%- else -%}
        {{ column }} in ({% for year in years %}{{ year }}{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#-
    The years the per-year intermediate models compute: the built years and every year after
    the one before the earliest (that year's figures are the earliest built year's
    previous-year values, prev_*). No built year's figures read an earlier year, so years
    before the window are not computed: a one-year rebuild of a ten-year warehouse computes
    two years, not ten. School versions (int_school_rows, int_school_years, dim_school) read
    every staged year: a school's versions run over its whole history. None given: every
    staged year.
-#}
{% macro in_history_window(column) -%}
    {%- set years = survey_years_var() -%}
    {%- if years | length == 0 -%}
        true
    {%- else -%}
        {{ column }} >= {{ years | min - 1 }}
    {%- endif -%}
{%- endmacro %}
