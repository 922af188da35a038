{#-
    The columns of contracts/region_registry.csv, cast: the national code table and the local
    assessment units (contracts/assessment_units.csv) share them, and so their staging models.
-#}
{% macro region_columns() -%}
    cast(county_code as varchar) as county_code,
    cast(county_name as varchar) as county_name,
    cast(prefecture_code as varchar) as prefecture_code,
    cast(prefecture_name as varchar) as prefecture_name,
    cast(province_code as varchar) as province_code,
    cast(province_name as varchar) as province_name
{%- endmacro %}
