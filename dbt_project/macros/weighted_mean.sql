{#-
    The enrollment-weighted mean Σ P_i·X_i / Σ P_i of a grouped query's rows
    (docs/spec/balance-indicators.md §4's mean): a row whose value is null weighs in neither
    sum. Null when no row of the group has a value.
-#}
{% macro weighted_mean(value, weight) -%}
    sum({{ weight }} * {{ value }}) / sum({{ weight }}) filter (where {{ value }} is not null)
{%- endmacro %}
