{#- The shortfall columns of fct_school_quality: one per quality standard, in its own unit. -#}
{% macro quality_shortfall_columns() -%}
    {{ return({
        'Q1': 'shortfall_q1_teachers_above_degree',
        'Q2': 'shortfall_q2_teachers_backbone',
        'Q3': 'shortfall_q3_teachers_pe_arts',
        'Q4': 'shortfall_q4_teaching_area_m2',
        'Q5': 'shortfall_q5_sports_area_m2',
        'Q6': 'shortfall_q6_equipment_value_yuan',
        'Q7': 'shortfall_q7_multimedia_rooms',
    }) }}
{%- endmacro %}
