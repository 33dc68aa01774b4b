{#-
    kaplan_meier_quantiles(relation, group_by, time, is_event, quantiles): Kaplan-Meier
    percentiles of a right-censored time (metrics.md, "Law-enforcement response"). A
    complete select statement: one row per group of `relation` (group_by columns) with
    one column per entry of `quantiles`, a dict {column name: p}.

    `time` is each subject's observed time (the event time, or the censoring time when
    `is_event` is false). With the distinct event times t_1 < t_2 < ..., d_j events at
    t_j and n_j subjects at risk (time >= t_j; a subject censored at t_j is still at
    risk, as statsmodels SurvfuncRight counts it):
        S(t_j) = prod_{i <= j} (1 - d_i / n_i)
    and the p-quantile is the smallest event time t_j with S(t_j) <= 1 - p (compared
    with a tolerance of 1e-12 so that a survival of exactly 1/2 that the running product
    rounds to 0.5000000000000001 still counts); null when S never falls that low (more
    than half the subjects still censored for p = 0.5). statsmodels
    SurvfuncRight(time, event).quantile(p) is the same except that it uses a strict
    S(t) < 1 - p (SAS's convention), so the two differ only when S lands exactly on
    1 - p; metrics.md says <=.
    By hand: times 1, 2, 3, 4 all events: S = 3/4, 1/2, 1/4, 0, so p50 = 2 (S(2) = 1/2)
    and p90 = 4. Times 1 (event), 2 (censored), 3 (event), 5 (censored): S(1) = 3/4,
    S(3) = 3/4 x (1 - 1/2) = 3/8: p50 = 3; S never reaches 0.1: p90 null.
-#}
{% macro kaplan_meier_quantiles(relation, group_by, time, is_event, quantiles) -%}
    {%- set keys = group_by | join(', ') -%}
    with

    km_subjects as (
        select
            {{ keys }},
            cast({{ time }} as double) as km_time,
            coalesce({{ is_event }}, false) as km_event
        from {{ relation }}
    ),

    km_times as (
        select
            {{ keys }},
            km_time,
            count(*) as km_subjects_at_time,
            count(*) filter (where km_event) as km_events
        from km_subjects
        group by {{ keys }}, km_time
    ),

    km_at_risk as (
        -- subjects with time >= t: a running total from the longest time down
        select
            *,
            sum(km_subjects_at_time) over (
                partition by {{ keys }} order by km_time desc rows between unbounded preceding and current row
            ) as km_at_risk
        from km_times
    ),

    km_survival as (
        select
            {{ keys }},
            km_time,
            {{ tsqa.window_product(
                '1.0 - km_events * 1.0 / km_at_risk',
                'partition by ' ~ keys ~ ' order by km_time rows between unbounded preceding and current row'
            ) }} as km_survival
        from km_at_risk
        where km_events > 0
    ),

    km_groups as (
        select distinct {{ keys }}
        from km_subjects
    )

    select
        km_groups.{{ group_by | join(', km_groups.') }}
        {%- for column, p in quantiles.items() %},
        (
            select min(km_survival.km_time)
            from km_survival
            where
                {% for key in group_by %}km_survival.{{ key }} = km_groups.{{ key }} and {% endfor -%}
                km_survival.km_survival <= 1.0 - {{ p }} + 1e-12
        ) as {{ column }}
        {%- endfor %}
    from km_groups
{%- endmacro %}
