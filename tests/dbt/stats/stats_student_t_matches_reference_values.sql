{#-
    student_t_two_sided_p, student_t_cdf and student_t_quantile (macros/stats/student_t.sql)
    against values a person can check and scipy.stats.t:
      by hand: df = 1 is Cauchy, p(|T| >= 1) = 1 - 2 atan(1)/pi = 1/2 and the 0.75
      quantile is cot(pi/4) = 1; df = 2 has p(|T| >= t) = 1 - t / sqrt(2 + t^2), so
      t = sqrt(2) gives 1 - 1/sqrt(2) = 0.29289321881345254, and the 0.75 quantile
      (2p - 1) / sqrt(2p(1-p)) = 0.5 / sqrt(0.375) = 0.8164965809277261; t = 0 gives
      p = 1 and cdf 1/2 for every df.
      scipy 1.x: 2 t.sf(2, 5) = 0.10193947882985835, 2 t.sf(3.5, 12) = 0.004381869431748154,
      t.cdf(-1.2, 7) = 0.1345859684136033; t.ppf(0.975, df) for df = 3, 10, 25, 100, 24782
      (the printed tables give 3.182, 2.228, 2.060, 1.984, 1.960).
    Null cases: null t, df <= 0, p outside (0, 1). Tolerance 1e-12 (relative for the
    quantiles). Returns failing rows.
-#}
with

p_reference (t, df, p_value, cdf) as (
    values
    (1.0, 1.0, 0.5, 0.75),
    (sqrt(2.0), 2.0, 0.29289321881345254, 1.0 - 0.29289321881345254 / 2.0),
    (0.0, 7.0, 1.0, 0.5),
    (2.0, 5.0, 0.10193947882985835, 1.0 - 0.10193947882985835 / 2.0),
    (-3.5, 12.0, 0.004381869431748154, 0.004381869431748154 / 2.0),
    (-1.2, 7.0, 0.2691719368272066, 0.1345859684136033),
    (null, 3.0, null, null),
    (1.0, 0.0, null, null)
),

quantile_reference (p, df, quantile) as (
    values
    (0.75, 1.0, 1.0),
    (0.25, 1.0, -1.0),
    (0.75, 2.0, 0.8164965809277261),
    (0.5, 9.0, 0.0),
    (0.975, 3.0, 3.1824463052837078),
    (0.975, 10.0, 2.228138851986274),
    (0.025, 25.0, -2.0595385527532972),
    (0.975, 100.0, 1.9839715185235518),
    (0.975, 24782.0, 1.9600597147122574),
    (0.0, 5.0, null),
    (1.0, 5.0, null),
    (0.975, 0.0, null)
),

p_computed as (
    select
        *,
        {{ student_t_two_sided_p('t', 'df') }} as computed_p_value,
        {{ student_t_cdf('t', 'df') }} as computed_cdf
    from p_reference
),

quantile_computed as (
    select
        *,
        {{ student_t_quantile('p', 'df') }} as computed_quantile
    from quantile_reference
)

select
    'p' as check_name,
    t as x,
    df,
    p_value as expected,
    computed_p_value as computed
from p_computed
where
    (p_value is null) != (computed_p_value is null)
    or abs(computed_p_value - p_value) > 1e-12
    or abs(computed_cdf - cdf) > 1e-12
union all
select
    'quantile' as check_name,
    p as x,
    df,
    quantile as expected,
    computed_quantile as computed
from quantile_computed
where
    (quantile is null) != (computed_quantile is null)
    or abs(computed_quantile - quantile) > 1e-12 * greatest(1.0, abs(quantile))
