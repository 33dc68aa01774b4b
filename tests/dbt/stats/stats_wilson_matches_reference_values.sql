{#-
    wilson_low / wilson_high / wilson_half_width (macros/stats/wilson.sql) against the
    95% Wilson score interval computed by hand with 60-digit decimals (metrics.md,
    "Confidence interval"; statsmodels proportion_confint(method="wilson") agrees to
    1e-16). Includes all correct, all wrong, a single trial, n = 0 and null successes (all null).
    Tolerance 1e-13. Returns failing rows.
-#}
with

reference (successes, n, low, high, half) as (
    values
    (3, 4, 0.3006418425824019, 0.9544127391902995, 0.3268854483039488),
    (1, 4, 0.04558726080970057, 0.6993581574175981, 0.3268854483039488),
    (1, 2, 0.09453120573423072, 0.9054687942657693, 0.40546879426576926),
    (10, 10, 0.7224672001371107, 1.0, 0.1387663999314446),
    (0, 10, 0.0, 0.2775327998628892, 0.1387663999314446),
    (0, 1, 0.0, 0.7934506856227626, 0.3967253428113813),
    (1, 1, 0.20654931437723742, 1.0, 0.3967253428113813),
    (0, 0, null, null, null),
    (null, 10, null, null, null)
),

computed as (
    select
        *,
        {{ wilson_low('successes', 'n') }} as computed_low,
        {{ wilson_high('successes', 'n') }} as computed_high,
        {{ wilson_half_width('successes', 'n') }} as computed_half
    from reference
)

select *
from computed
where
    (low is null) != (computed_low is null)
    or (high is null) != (computed_high is null)
    or (half is null) != (computed_half is null)
    or abs(computed_low - low) > 1e-13
    or abs(computed_high - high) > 1e-13
    or abs(computed_half - half) > 1e-13
