{#-
    Design-based estimate of a proportion from a stratified random sample (metrics.md,
    "Population estimates (design-based)"). Aggregates over one row per stratum h of a
    cell (use them under GROUP BY or GROUPING SETS), with
      population = N_h  (decisions in the stratum),
      successes  = x_h  (sampled units with the attribute),
      sampled    = n_h  (sampled units; 0 or null = stratum not sampled).
    Only sampled strata S (n_h >= 1) enter; W_h = N_h / sum_S N_h.

    - stratified_covered(N, n)            sum_S N_h (the population the estimate covers)
    - stratified_proportion(N, x, n)      sum_S W_h p_h with p_h = x_h / n_h
    - stratified_se(N, x, n)              sqrt(sum_S W_h^2 p_h (1 - p_h) / n_h)
    - stratified_sampled(n)               sum_S n_h
    - stratified_sampled_strata(n)        number of strata in S
    All null when no stratum is sampled (sum over an empty set). The weighted sums are
    formed as sum N_h p_h / sum N_h, so a cell whose sampled strata are all p_h = 1 (or 0)
    gives exactly 1 (or 0) and se exactly 0.

    Then, per cell (plain expressions of the aggregates above):
    - effective_sample_size(p, se, n, sampled_strata)
        min(n, p(1-p)/se^2); n when se = 0; n itself when one stratum is sampled (what the
        formula gives there, n_h, without the rounding of p(1-p) / (p(1-p)/n)); null
        when p is null.
    - stratified_wilson_low / _high(p, n_eff, x, n, sampled_strata)
        the 95% Wilson interval (macros/stats/wilson.sql) with proportion p and
        n = n_eff, i.e. x_eff = p * n_eff "successes". With one sampled stratum it is
        the plain Wilson interval of x_h / n_h, computed from the integer counts (so it
        is bit for bit the interval mart_quality_monthly would publish for those audits).
-#}
{% macro stratified_covered(population, sampled) -%}
    sum(case when coalesce({{ sampled }}, 0) > 0 then ({{ population }}) end)
{%- endmacro %}

{% macro stratified_sampled(sampled) -%}
    sum(case when coalesce({{ sampled }}, 0) > 0 then ({{ sampled }}) end)
{%- endmacro %}

{% macro stratified_sampled_strata(sampled) -%}
    count(*) filter (where coalesce({{ sampled }}, 0) > 0)
{%- endmacro %}

{% macro stratified_proportion(population, successes, sampled) -%}
    (sum(case when coalesce({{ sampled }}, 0) > 0
        then ({{ population }}) * (({{ successes }}) * 1.0 / ({{ sampled }})) end)
    / {{ stratified_covered(population, sampled) }})
{%- endmacro %}

{% macro stratified_se(population, successes, sampled) -%}
    (sqrt(sum(case when coalesce({{ sampled }}, 0) > 0
        then ({{ population }}) * 1.0 * ({{ population }})
            * (({{ successes }}) * 1.0 / ({{ sampled }}))
            * (1.0 - ({{ successes }}) * 1.0 / ({{ sampled }}))
            / ({{ sampled }}) end))
    / {{ stratified_covered(population, sampled) }})
{%- endmacro %}

{% macro effective_sample_size(p, se, n, sampled_strata) -%}
    (case
        when ({{ p }}) is null then null
        when ({{ sampled_strata }}) = 1 or ({{ se }}) = 0 then ({{ n }}) * 1.0
        else least(({{ n }}) * 1.0, ({{ p }}) * (1.0 - ({{ p }})) / (({{ se }}) * ({{ se }})))
    end)
{%- endmacro %}

{% macro stratified_wilson_low(p, n_eff, x, n, sampled_strata) -%}
    (case
        when ({{ p }}) is null then null
        when ({{ sampled_strata }}) = 1 then {{ wilson_low(x, n) }}
        else {{ wilson_low('(' ~ p ~ ') * (' ~ n_eff ~ ')', n_eff) }}
    end)
{%- endmacro %}

{% macro stratified_wilson_high(p, n_eff, x, n, sampled_strata) -%}
    (case
        when ({{ p }}) is null then null
        when ({{ sampled_strata }}) = 1 then {{ wilson_high(x, n) }}
        else {{ wilson_high('(' ~ p ~ ') * (' ~ n_eff ~ ')', n_eff) }}
    end)
{%- endmacro %}
