{#-
    The stratified estimator (macros/stats/stratified.sql) on the hand-worked strata of
    the mart_decision_quality_monthly unit tests: every cell (a queue x vendor stratum
    or a roll-up) lists its strata (N_h decisions, n_h randomly audited, c_h correct,
    k_h critical); expected values from tests/unit_values/decision_quality.py
    (metrics.md "Population estimates" in 60-digit decimals: W_h = N_h / covered,
    se^2 = sum W_h^2 p_h (1 - p_h) / n_h, n_eff = min(n, p(1-p)/se^2), Wilson centre +-
    half). Covers two strata of different size and rate, a stratum without random
    audits, p = 0 and p = 1 strata, a roll-up whose p(1-p)/se^2 exceeds n, and a single
    stratum (the plain Wilson interval of 8/10). Tolerance 1e-13. Returns failing rows.
-#}
with

strata (cell, population, sampled, correct, critical) as (
    values
    ('2026-09-01|comments|atlas', 100, 4, 3, 1),
    ('2026-09-01|comments|cirrus', 300, 2, 1, 0),
    ('2026-09-01|images|atlas', 50, 0, 0, 0),
    ('2026-09-01|images|cirrus', 20, 5, 5, 0),
    ('2026-09-01|hate_harassment|atlas', 30, 3, 0, 1),
    ('2026-09-01|comments|all', 100, 4, 3, 1),
    ('2026-09-01|comments|all', 300, 2, 1, 0),
    ('2026-09-01|hate_harassment|all', 30, 3, 0, 1),
    ('2026-09-01|images|all', 50, 0, 0, 0),
    ('2026-09-01|images|all', 20, 5, 5, 0),
    ('2026-09-01|all|atlas', 100, 4, 3, 1),
    ('2026-09-01|all|atlas', 50, 0, 0, 0),
    ('2026-09-01|all|atlas', 30, 3, 0, 1),
    ('2026-09-01|all|cirrus', 300, 2, 1, 0),
    ('2026-09-01|all|cirrus', 20, 5, 5, 0),
    ('2026-09-01|all|all', 100, 4, 3, 1),
    ('2026-09-01|all|all', 300, 2, 1, 0),
    ('2026-09-01|all|all', 50, 0, 0, 0),
    ('2026-09-01|all|all', 20, 5, 5, 0),
    ('2026-09-01|all|all', 30, 3, 0, 1),
    ('2026-10-01|video_general|inhouse', 40, 10, 8, 1),
    ('2026-10-01|video_general|all', 40, 10, 8, 1),
    ('2026-10-01|all|inhouse', 40, 10, 8, 1),
    ('2026-10-01|all|all', 40, 10, 8, 1)
),

expected (
    cell, accuracy, accuracy_se, effective_sample_size, accuracy_ci_low, accuracy_ci_high,
    critical_error_rate, critical_error_rate_ci_low, critical_error_rate_ci_high
) as (
    values
    ('2026-09-01|comments|atlas', 0.75, 0.21650635094610965, 4.0, 0.3006418425824019, 0.9544127391902995, 0.25, 0.04558726080970057, 0.6993581574175981),
    ('2026-09-01|comments|cirrus', 0.5, 0.3535533905932738, 2.0, 0.09453120573423072, 0.9054687942657693, 0.0, 0.0, 0.6576197724933469),
    ('2026-09-01|images|atlas', null, null, null, null, null, null, null, null),
    ('2026-09-01|images|cirrus', 1.0, 0.0, 5.0, 0.5655175352168252, 1.0, 0.0, 0.0, 0.43448246478317476),
    ('2026-09-01|hate_harassment|atlas', 0.0, 0.0, 3.0, 0.0, 0.5614970317550455, 0.3333333333333333, 0.06149194472039624, 0.7923403991979523),
    ('2026-09-01|comments|all', 0.5625, 0.2706329386826371, 3.36, 0.1653135798281695, 0.8930079367502615, 0.0625, 0.005161694306772073, 0.46138080760762257),
    ('2026-09-01|hate_harassment|all', 0.0, 0.0, 3.0, 0.0, 0.5614970317550455, 0.3333333333333333, 0.06149194472039624, 0.7923403991979523),
    ('2026-09-01|images|all', 1.0, 0.0, 5.0, 0.5655175352168252, 1.0, 0.0, 0.0, 0.43448246478317476),
    ('2026-09-01|all|atlas', 0.5769230769230769, 0.1665433468816228, 7.0, 0.2543215346100289, 0.8450122446104807, 0.2692307692307692, 0.06938084354481941, 0.645469061591873),
    ('2026-09-01|all|cirrus', 0.53125, 0.33145630368119416, 2.2666666666666666, 0.11536496287077834, 0.9078281864775463, 0.0, 0.0, 0.3543304350666874),
    ('2026-09-01|all|all', 0.5444444444444444, 0.24056261216234406, 4.285866666666666, 0.1804030038355196, 0.8664716939378605, 0.07777777777777778, 0.014711637269837438, 0.32266192948638833),
    ('2026-10-01|video_general|inhouse', 0.8, 0.12649110640673517, 10.0, 0.4901624715366417, 0.9433178485456247, 0.1, 0.017876213095072906, 0.4041500267952385),
    ('2026-10-01|video_general|all', 0.8, 0.12649110640673517, 10.0, 0.4901624715366417, 0.9433178485456247, 0.1, 0.017876213095072906, 0.4041500267952385),
    ('2026-10-01|all|inhouse', 0.8, 0.12649110640673517, 10.0, 0.4901624715366417, 0.9433178485456247, 0.1, 0.017876213095072906, 0.4041500267952385),
    ('2026-10-01|all|all', 0.8, 0.12649110640673517, 10.0, 0.4901624715366417, 0.9433178485456247, 0.1, 0.017876213095072906, 0.4041500267952385)
),

cells as (
    select
        cell,
        {{ stratified_sampled_strata('sampled') }} as sampled_strata,
        coalesce({{ stratified_sampled('sampled') }}, 0) as n,
        sum(correct) as x,
        sum(critical) as k,
        {{ stratified_proportion('population', 'correct', 'sampled') }} as p,
        {{ stratified_se('population', 'correct', 'sampled') }} as se,
        {{ stratified_proportion('population', 'critical', 'sampled') }} as pk,
        {{ stratified_se('population', 'critical', 'sampled') }} as sek
    from strata
    group by cell
),

sized as (
    select
        *,
        {{ effective_sample_size('p', 'se', 'n', 'sampled_strata') }} as n_eff,
        {{ effective_sample_size('pk', 'sek', 'n', 'sampled_strata') }} as nk_eff
    from cells
),

computed as (
    select
        expected.*,
        sized.p,
        sized.se,
        sized.n_eff,
        {{ stratified_wilson_low('sized.p', 'sized.n_eff', 'sized.x', 'sized.n', 'sized.sampled_strata') }} as low,
        {{ stratified_wilson_high('sized.p', 'sized.n_eff', 'sized.x', 'sized.n', 'sized.sampled_strata') }} as high,
        sized.pk,
        {{ stratified_wilson_low('sized.pk', 'sized.nk_eff', 'sized.k', 'sized.n', 'sized.sampled_strata') }} as k_low,
        {{ stratified_wilson_high('sized.pk', 'sized.nk_eff', 'sized.k', 'sized.n', 'sized.sampled_strata') }} as k_high
    from expected
    full outer join sized on expected.cell = sized.cell
)

select *
from computed
where
    not (abs(p - accuracy) <= 1e-13 or (p is null and accuracy is null))
    or not (abs(se - accuracy_se) <= 1e-13 or (se is null and accuracy_se is null))
    or not (abs(n_eff - effective_sample_size) <= 1e-12 or (n_eff is null and effective_sample_size is null))
    or not (abs(low - accuracy_ci_low) <= 1e-13 or (low is null and accuracy_ci_low is null))
    or not (abs(high - accuracy_ci_high) <= 1e-13 or (high is null and accuracy_ci_high is null))
    or not (abs(pk - critical_error_rate) <= 1e-13 or (pk is null and critical_error_rate is null))
    or not (abs(k_low - critical_error_rate_ci_low) <= 1e-13 or (k_low is null and critical_error_rate_ci_low is null))
    or not (abs(k_high - critical_error_rate_ci_high) <= 1e-13 or (k_high is null and critical_error_rate_ci_high is null))
