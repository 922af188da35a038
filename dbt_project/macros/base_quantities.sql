{#- The base quantities of docs/spec/balance-indicators.md §2, by their names in
    contracts/staging_schema.py. -#}

{#- Teacher counts: reported per stage, or for the whole school as `<field>_whole`. -#}
{% macro teacher_fields() -%}
    {{ return([
        'teachers', 'teachers_above_degree', 'teachers_senior_title', 'teachers_backbone', 'teachers_pe_arts'
    ]) }}
{%- endmacro %}

{#- Resources belong to the row's reported scope and are split by the stage shares. -#}
{% macro resource_fields() -%}
    {{ return([
        'teaching_area_m2', 'sports_area_m2', 'equipment_value_yuan', 'computers', 'books', 'multimedia_rooms'
    ]) }}
{%- endmacro %}

{#- The indicator codes of docs/spec/warehouse-contract.md, for the wide columns of the rollup. -#}
{% macro indicator_codes() -%}
    {{ return(['B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6', 'Q7']) }}
{%- endmacro %}
