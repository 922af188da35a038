{#- The fact models keep the survey years of var('survey_years'); none given keeps all. -#}
{% macro in_survey_years(column) -%}
    {%- set years = var('survey_years', []) -%}
    {%- if years is string -%}
        {%- set years = fromjson(years) if years.startswith('[') else [years] -%}
    {%- elif years is number -%}
        {%- set years = [years] -%}
    {%- endif -%}
    {%- if years | length == 0 -%}
        true
    {%- else -%}
        {{ column }} in ({% for year in years %}{{ year | int }}{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}
