{#-
    two_proportion_z / two_proportion_p_value (macros/stats/two_proportion_z.sql) against
    the pooled two-proportion z-test of metrics.md ("Policy-change impact"): z by hand
    with 60-digit decimals, p = 2 (1 - Phi(|z|)) from scipy.stats.norm (statsmodels
    proportions_ztest([x2, x1], [n2, n1]) agrees to 1e-15). Group 2 minus group 1.
    Null cases: a side without trials, pooled rate 0, pooled rate 1.
    Tolerance 1e-12 on z, 1e-13 on p. Returns failing rows.
-#}
with

reference (x1, n1, x2, n2, z, p_value) as (
    values
    (1, 4, 3, 4, 1.4142135623730951, 0.15729920705028502),
    (10, 100, 20, 100, 1.9802950859533486, 0.04767038065616143),
    (30, 200, 45, 210, 1.6829763461389209, 0.09237967055994592),
    (5, 50, 5, 50, 0.0, 1.0),
    (1, 4, 2, 8, 0.0, 1.0),
    (90, 100, 60, 100, -4.898979485566356, 9.633570086430965e-07),
    (3, 1000, 17, 1000, 3.146266024828463, 0.0016536951637003397),
    (0, 0, 3, 10, null, null),
    (3, 10, 0, 0, null, null),
    (0, 10, 0, 12, null, null),
    (10, 10, 12, 12, null, null)
),

computed as (
    select
        *,
        {{ two_proportion_z('x1', 'n1', 'x2', 'n2') }} as computed_z,
        {{ two_proportion_p_value('x1', 'n1', 'x2', 'n2') }} as computed_p_value
    from reference
)

select *
from computed
where
    (z is null) != (computed_z is null)
    or (p_value is null) != (computed_p_value is null)
    or abs(computed_z - z) > 1e-12
    or abs(computed_p_value - p_value) > 1e-13
