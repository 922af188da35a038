{#-
    The enrollment-weighted coefficient of variation of docs/spec/balance-indicators.md §4,
    the one definition used for every indicator and every grouping:

        mean = Σ P_i·X_i / P,   S = sqrt(Σ P_i·(X_i − mean)² / P),   CV = S / mean

    Returns a query with one row per group that has at least one value: the `group_by`
    columns, n_school_stages, enrollment, weighted_mean, std, cv and cv_reason. Rows whose
    value is null are not observations (they do not count in n nor weigh in the mean). The
    deviations are taken from the mean in a second pass, so equal values give exactly 0.
    CV is null with a reason when n < 2 or the mean is 0: such a group is not assessable.
-#}
{% macro enrollment_weighted_cv(relation, group_by, value='value', weight='students') -%}
    {%- set groups = group_by | join(', ') -%}
    with observations as (
        select {{ groups }}, {{ value }} as x, {{ weight }} as w
        from {{ relation }}
        where {{ value }} is not null and {{ weight }} > 0
    ),

    with_mean as (
        select
            *,
            sum(w * x) over (partition by {{ groups }}) / sum(w) over (partition by {{ groups }}) as weighted_mean
        from observations
    ),

    moments as (
        select
            {{ groups }},
            count(*) as n_school_stages,
            sum(w) as enrollment,
            any_value(weighted_mean) as weighted_mean,
            sqrt(sum(w * (x - weighted_mean) ^ 2) / sum(w)) as std
        from with_mean
        group by {{ groups }}
    )

    select
        *,
        case when n_school_stages >= 2 and weighted_mean <> 0 then std / weighted_mean end as cv,
        case
            when n_school_stages < 2 then 'fewer_than_two_school_stages'
            when weighted_mean = 0 then 'zero_mean'
        end as cv_reason
    from moments
{%- endmacro %}
