{#-
    p_chart_ucl / p_chart_lcl (macros/stats/p_chart.sql) against limits computed by hand
    with 60-digit decimals (metrics.md, "Error trends"): UCL = min(1, p + 3 sqrt(p(1-p)/n)),
    LCL = max(0, p - 3 sqrt(p(1-p)/n)). Includes clipping at 0 and 1, a centre line of 0
    and of 1 (limits collapse onto it), a null centre line and n = 0 (null limits).
    Tolerance 1e-14. Returns failing rows.
-#}
with

reference (p_bar, n, ucl, lcl) as (
    values
    (0.1, 10, 0.38460498941515414, 0.0),
    (0.5, 4, 1.0, 0.0),
    (0.25, 100, 0.3799038105676658, 0.1200961894323342),
    (0.02, 50, 0.07939696961967, 0.0),
    (0.3, 7, 0.8196152422706632, 0.0),
    (0.0, 10, 0.0, 0.0),
    (1.0, 10, 1.0, 1.0),
    (null, 10, null, null),
    (0.2, 0, null, null)
),

computed as (
    select
        *,
        {{ p_chart_ucl('p_bar', 'n') }} as computed_ucl,
        {{ p_chart_lcl('p_bar', 'n') }} as computed_lcl
    from reference
)

select *
from computed
where
    (ucl is null) != (computed_ucl is null)
    or (lcl is null) != (computed_lcl is null)
    or abs(computed_ucl - ucl) > 1e-14
    or abs(computed_lcl - lcl) > 1e-14
