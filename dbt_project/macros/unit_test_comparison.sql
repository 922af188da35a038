{#-
    dbt compares unit-test results exactly, which no double survives (0.2082988952… is
    not 0.208299). The spec states its worked checks to at most 6 decimals, so both sides
    are compared at 6 decimals: every value that reads as a number is rounded to 6 places
    and every value is compared as text. Non-numeric values compare unchanged.
-#}
{% macro duckdb__get_unit_test_sql(main_sql, expected_fixture_sql, expected_column_names) -%}
with dbt_internal_unit_test_actual as (
  select
    {% for column in expected_column_names %}{{ _unit_test_comparable(column) }}, {% endfor -%}
    {{ dbt.string_literal("actual") }} as {{ adapter.quote("actual_or_expected") }}
  from (
    {{ main_sql }}
  ) _dbt_internal_unit_test_actual
),
dbt_internal_unit_test_expected as (
  select
    {% for column in expected_column_names %}{{ _unit_test_comparable(column) }}, {% endfor -%}
    {{ dbt.string_literal("expected") }} as {{ adapter.quote("actual_or_expected") }}
  from (
    {{ expected_fixture_sql }}
  ) _dbt_internal_unit_test_expected
)
select * from dbt_internal_unit_test_actual
union all
select * from dbt_internal_unit_test_expected
{%- endmacro %}

{% macro _unit_test_comparable(column) -%}
    coalesce(round(try_cast({{ column }} as double), 6)::varchar, {{ column }}::varchar) as {{ column }}
{%- endmacro %}
