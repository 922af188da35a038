{#-
    One number of contracts/national_rules.csv (the quality regime's 6-of-7 / 85% test, the
    teaching point's 50-student floor), as a scalar subquery: the file is the rule's one home,
    read by dbt as a source, so no model or var repeats its value.
-#}
{% macro national_rule(rule) -%}
    (select value from {{ ref('stg_national_rules') }} where rule = '{{ rule }}')
{%- endmacro %}
