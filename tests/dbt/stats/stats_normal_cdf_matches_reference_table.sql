{#-
    normal_cdf(x) (macros/stats/normal_cdf.sql) against a reference table of Phi(x):
    scipy.stats.norm.cdf, which agrees with the printed tables (Phi(1.96) = 0.9750021048517795,
    Phi(1.6448536269514722) = 0.95, Phi(2.5758293035489004) = 0.995, Phi(0) = 0.5).
    Absolute error must be below 1e-14 everywhere; in the far lower tail (x <= -5) the
    relative error must also be below 1e-7 (p-values are computed as 2 Phi(-|z|); the
    measured relative error there is 5e-11 at x = -5 and 9e-9 at x = -8, from the
    15-digit published coefficients). Returns failing rows.
-#}
with

reference (x, phi) as (
    values
    (-40.0, 0.0),
    (-10.0, 7.61985302416047e-24),
    (-8.0, 6.22096057427174e-16),
    (-5.0, 2.866515718791933e-07),
    (-3.0, 0.0013498980316300933),
    (-1.96, 0.024997895148220435),
    (-1.0, 0.15865525393145707),
    (-0.5, 0.3085375387259869),
    (0.0, 0.5),
    (0.5, 0.6914624612740131),
    (1.0, 0.8413447460685429),
    (1.644853626951472, 0.95),
    (1.96, 0.9750021048517795),
    (2.5758293035489004, 0.995),
    (3.0, 0.9986501019683699),
    (5.0, 0.9999997133484281),
    (7.5, 0.9999999999999681),
    (40.0, 1.0)
),

computed as (
    select
        x,
        phi,
        {{ normal_cdf('cast(x as double)') }} as normal_cdf
    from reference
)

select *
from computed
where
    normal_cdf is null
    or abs(normal_cdf - phi) > 1e-14
    or (x <= -5 and phi > 0 and abs(normal_cdf / phi - 1) > 1e-7)
union all
select
    null as x,
    null as phi,
    {{ normal_cdf('cast(null as double)') }} as normal_cdf
where {{ normal_cdf('cast(null as double)') }} is not null
