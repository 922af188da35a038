{#-
    `value >= bound` for figures computed in floating point: a value equal to the bound up
    to the last bits of a double (4.93 against 0.85 × 5.8) meets it, as the printed rule
    intends. The tolerance is a millionth of a millionth of the bound, far below any
    difference the survey can record.
-#}
{% macro at_least(value, bound) -%}
    ({{ value }} >= {{ bound }} - 1e-12 * abs({{ bound }}))
{%- endmacro %}
