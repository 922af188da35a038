{#-
    The enrollment-weighted mean Σ P_i·X_i / Σ P_i of the rows that meet `condition`, as two
    filtered aggregates of a grouped query (docs/spec/balance-indicators.md §4's mean): a row whose
    value is null weighs in neither sum. Null when no row of the group has a value.
-#}
{% macro weighted_mean(value, weight, condition) -%}
    sum({{ weight }} * {{ value }}) filter (where {{ condition }})
        / sum({{ weight }}) filter (where {{ condition }} and {{ value }} is not null)
{%- endmacro %}
