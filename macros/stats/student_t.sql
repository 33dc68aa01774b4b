{#-
    Student's t distribution, computed inside the warehouse (DuckDB has no beta or t
    functions). Checked against scipy.stats.t (tests/test_quality_marts.py: relative
    error below 1e-9 over df from 1 to 10^6) and pinned by hand in
    tests/dbt/stats/stats_student_t_matches_reference_values.sql.

    regularized_beta(x, y, a, b): the regularized incomplete beta function I_x(a, b),
        with y = 1 - x passed separately so that a caller who knows 1 - x exactly (as
        t^2 / (df + t^2)) does not lose it to cancellation. Numerical Recipes (Press et
        al. 2007, 6.4): for x < (a + 1) / (a + b + 2)
            I_x(a, b) = x^a y^b / (a B(a, b)) * 1 / (1 + d_1 / (1 + d_2 / (1 + ...)))
        with d_(2m+1) = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) and
        d_(2m) = m (b - m) x / ((a + 2m - 1)(a + 2m)), both with denominator
        (a + j - 1)(a + j) for term j; otherwise 1 - I_y(b, a). The fraction is
        evaluated backwards from term K = 2 ceil(30 + 3 sqrt(max(a, b))) (it converges
        in O(sqrt(max(a, b))) terms; the margin is measured, not assumed: see the tests).
        B(a, b) through lgamma. Null for null input; 0 at x <= 0, 1 at y <= 0.

    student_t_two_sided_p(t, df): P(|T| >= |t|) for T ~ t(df), df > 0 (need not be an
        integer) = I_(df / (df + t^2))(df/2, 1/2). Full relative precision in the tail
        (no 1 - cdf cancellation). By hand: df = 1 is the Cauchy distribution,
        p = 1 - 2 atan(|t|) / pi, so t = 1 gives 0.5; df = 2 gives p = 1 - |t| / sqrt(2 + t^2),
        so t = sqrt(2) gives 1 - 1/sqrt(2). Same as 2 * scipy.stats.t.sf(|t|, df). Null
        when t or df is null or df <= 0.

    student_t_cdf(t, df): P(T <= t) = 1 - p/2 for t > 0, p/2 otherwise (p the two-sided
        p-value above). Same as scipy.stats.t.cdf.

    student_t_quantile(p, df): the t with P(T <= t) = p, 0 < p < 1 (scipy.stats.t.ppf).
        Closed forms for df = 1 (tan(pi (p - 1/2))) and df = 2
        ((2p - 1) / sqrt(2 p (1 - p))); otherwise a start from the normal quantile z
        (Acklam's rational approximation) with the Cornish-Fisher expansion
        t ~ z + (z^3 + z)/(4 df) + (5z^5 + 16z^3 + 3z)/(96 df^2)
              + (3z^7 + 19z^5 + 17z^3 - 15z)/(384 df^3),
        then 12 Newton steps on ln S(t) against ln t, S the upper tail (the t density is
        f(t) = exp(lgamma((df+1)/2) - lgamma(df/2)) / sqrt(df pi) (1 + t^2/df)^(-(df+1)/2));
        for p < 1/2, -quantile(1 - p). df = 1 is written -cot(pi p) (p < 1/2) to keep
        precision in the tails. By hand: df = 1, p = 0.75 gives cot(pi/4) = 1; df = 2,
        p = 0.75 gives 0.5 / sqrt(0.375) = 0.816496580927726. Null outside 0 < p < 1,
        df <= 0 or null. Meant for df >= 1 (checked from 1 to 10^6).
-#}

{% macro tsqa_beta_continued_fraction(x, a, b) -%}
    {#- 1 / (1 + d_1 / (1 + d_2 / (1 + ... d_K))) for I_x(a, b), evaluated backwards. -#}
    {%- set half_j_below = tsqa.int_div('tsqa_j - 1', 2) -%}
    {%- set half_j = tsqa.int_div('tsqa_j', 2) -%}
    (1.0 / (1.0 + {{ tsqa.list_reduce(
        tsqa.list_transform(
            tsqa.int_range('cast(2 * ceil(30 + 3 * sqrt(greatest(' ~ a ~ ', ' ~ b ~ '))) as bigint)', 0, -1),
            'tsqa_j',
            'case
                when tsqa_j % 2 = 1 then
                    -((' ~ a ~ ') + ' ~ half_j_below ~ ') * ((' ~ a ~ ') + (' ~ b ~ ') + ' ~ half_j_below ~ ') * (' ~ x ~ ')
                    / (((' ~ a ~ ') + tsqa_j - 1) * ((' ~ a ~ ') + tsqa_j))
                else
                    ' ~ half_j ~ ' * ((' ~ b ~ ') - ' ~ half_j ~ ') * (' ~ x ~ ')
                    / (((' ~ a ~ ') + tsqa_j - 1) * ((' ~ a ~ ') + tsqa_j))
            end'
        ),
        'tsqa_acc', 'tsqa_d', 'tsqa_d / (1.0 + tsqa_acc)',
        'cast(0.0 as double)'
    ) }}))
{%- endmacro %}

{% macro tsqa_beta_front(x, y, a, b) -%}
    {#- x^a y^b / B(a, b) in log space -#}
    exp(
        ({{ a }}) * ln({{ x }}) + ({{ b }}) * ln({{ y }})
        - ({{ tsqa.lgamma(a) }} + {{ tsqa.lgamma(b) }} - {{ tsqa.lgamma('(' ~ a ~ ') + (' ~ b ~ ')') }})
    )
{%- endmacro %}

{% macro regularized_beta(x, y, a, b) -%}
    (case
        when ({{ x }}) is null or ({{ y }}) is null or ({{ a }}) is null or ({{ b }}) is null then null
        when ({{ x }}) <= 0 then 0.0
        when ({{ y }}) <= 0 then 1.0
        when ({{ x }}) < (({{ a }}) + 1.0) / (({{ a }}) + ({{ b }}) + 2.0) then
            {{ tsqa_beta_front(x, y, a, b) }} / ({{ a }}) * {{ tsqa_beta_continued_fraction(x, a, b) }}
        else
            1.0 - {{ tsqa_beta_front(x, y, a, b) }} / ({{ b }}) * {{ tsqa_beta_continued_fraction(y, b, a) }}
    end)
{%- endmacro %}

{% macro student_t_two_sided_p(t, df) -%}
    (case when ({{ t }}) is not null and ({{ df }}) > 0 then
        {{ regularized_beta(
            '(' ~ df ~ ') / ((' ~ df ~ ') + (' ~ t ~ ') * (' ~ t ~ '))',
            '(' ~ t ~ ') * (' ~ t ~ ') / ((' ~ df ~ ') + (' ~ t ~ ') * (' ~ t ~ '))',
            '(' ~ df ~ ') / 2.0', '0.5') }}
    end)
{%- endmacro %}

{% macro student_t_cdf(t, df) -%}
    (case
        when ({{ t }}) > 0 then 1.0 - {{ student_t_two_sided_p(t, df) }} / 2.0
        else {{ student_t_two_sided_p(t, df) }} / 2.0
    end)
{%- endmacro %}

{% macro tsqa_normal_quantile_upper(q) -%}
    {#- z with 1 - Phi(z) = q, 0 < q <= 1/2 (Acklam's algorithm; relative error < 1.2e-9,
        only the start of the Newton steps in student_t_quantile). -#}
    (case
        when ({{ q }}) < 0.02425 then
            -(((((-7.784894002430293e-03 * sqrt(-2 * ln({{ q }})) - 3.223964580411365e-01)
                * sqrt(-2 * ln({{ q }})) - 2.400758277161838e+00) * sqrt(-2 * ln({{ q }}))
                - 2.549732539343734e+00) * sqrt(-2 * ln({{ q }})) + 4.374664141464968e+00)
                * sqrt(-2 * ln({{ q }})) + 2.938163982698783e+00)
            / ((((7.784695709041462e-03 * sqrt(-2 * ln({{ q }})) + 3.224671290700398e-01)
                * sqrt(-2 * ln({{ q }})) + 2.445134137142996e+00) * sqrt(-2 * ln({{ q }}))
                + 3.754408661907416e+00) * sqrt(-2 * ln({{ q }})) + 1.0)
        else
            -((((((-3.969683028665376e+01 * pow(({{ q }}) - 0.5, 2) + 2.209460984245205e+02)
                * pow(({{ q }}) - 0.5, 2) - 2.759285104469687e+02) * pow(({{ q }}) - 0.5, 2)
                + 1.383577518672690e+02) * pow(({{ q }}) - 0.5, 2) - 3.066479806614716e+01)
                * pow(({{ q }}) - 0.5, 2) + 2.506628277459239e+00) * (({{ q }}) - 0.5))
            / (((((-5.447609879822406e+01 * pow(({{ q }}) - 0.5, 2) + 1.615858368580409e+02)
                * pow(({{ q }}) - 0.5, 2) - 1.556989798598866e+02) * pow(({{ q }}) - 0.5, 2)
                + 6.680131188771972e+01) * pow(({{ q }}) - 0.5, 2) - 1.328068155288572e+01)
                * pow(({{ q }}) - 0.5, 2) + 1.0)
    end)
{%- endmacro %}

{% macro tsqa_t_upper_quantile(q, df) -%}
    {#- t > 0 with S(t) = P(T > t) = q, 0 < q < 1/2: Cornish-Fisher start, then Newton steps
        on ln S as a function of ln t (nearly linear in the heavy tail, so a poor start in
        the far tail costs one or two steps): t <- t exp((ln S(t) - ln q) S(t) / (f(t) t)). -#}
    {%- set newton_step -%}
        tsqa_t * exp(
            (ln({{ student_t_two_sided_p('tsqa_t', df) }} / 2.0) - ln({{ q }}))
            * ({{ student_t_two_sided_p('tsqa_t', df) }} / 2.0)
            / (
                exp({{ tsqa.lgamma('((' ~ df ~ ') + 1.0) / 2.0') }} - {{ tsqa.lgamma('(' ~ df ~ ') / 2.0') }})
                / sqrt(({{ df }}) * pi())
                * pow(1.0 + tsqa_t * tsqa_t / ({{ df }}), -(({{ df }}) + 1.0) / 2.0)
                * tsqa_t
            )
        )
    {%- endset -%}
    {%- set cornish_fisher_start -%}
        cast(greatest(1e-3,
            {{ tsqa_normal_quantile_upper(q) }}
            + (pow({{ tsqa_normal_quantile_upper(q) }}, 3) + {{ tsqa_normal_quantile_upper(q) }}) / (4.0 * ({{ df }}))
            + (5.0 * pow({{ tsqa_normal_quantile_upper(q) }}, 5) + 16.0 * pow({{ tsqa_normal_quantile_upper(q) }}, 3)
                + 3.0 * {{ tsqa_normal_quantile_upper(q) }}) / (96.0 * pow({{ df }}, 2))
            + (3.0 * pow({{ tsqa_normal_quantile_upper(q) }}, 7) + 19.0 * pow({{ tsqa_normal_quantile_upper(q) }}, 5)
                + 17.0 * pow({{ tsqa_normal_quantile_upper(q) }}, 3) - 15.0 * {{ tsqa_normal_quantile_upper(q) }})
                / (384.0 * pow({{ df }}, 3))
        ) as double)
    {%- endset %}
    {{ tsqa.list_reduce(tsqa.int_range(0, 12), 'tsqa_t', 'tsqa_step', newton_step, cornish_fisher_start) }}
{%- endmacro %}

{% macro student_t_quantile(p, df) -%}
    (case
        when ({{ p }}) is null or ({{ df }}) is null or ({{ df }}) <= 0 or ({{ p }}) <= 0 or ({{ p }}) >= 1
            then null
        when ({{ p }}) = 0.5 then 0.0
        when ({{ df }}) = 1 then sign(({{ p }}) - 0.5) / tan(pi() * least({{ p }}, 1.0 - ({{ p }})))
        when ({{ df }}) = 2 then (2.0 * ({{ p }}) - 1.0) / sqrt(2.0 * ({{ p }}) * (1.0 - ({{ p }})))
        else sign(({{ p }}) - 0.5) * {{ tsqa_t_upper_quantile('least(' ~ p ~ ', 1.0 - ' ~ p ~ ')', df) }}
    end)
{%- endmacro %}
