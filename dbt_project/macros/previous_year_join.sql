{#-
    The row of the survey year before, from the same relation, as `previous_year`: every
    model with year-over-year columns (prev_*) joins its own rows this way, by the keys that
    name one row within a year. A year with no previous one gets nulls, never zeros.

        from county_indicators
        {{ previous_year_join('county_indicators', ['county_code', 'stage', 'indicator_code']) }}
-#}
{% macro previous_year_join(relation, keys) -%}
    left join {{ relation }} as previous_year
        on {% for key in keys -%}
        {{ relation }}.{{ key }} = previous_year.{{ key }}
        and {% endfor -%}
        {{ relation }}.survey_year = previous_year.survey_year + 1
{%- endmacro %}
