{#-
    chi_square_sf(x, df): the chi-square survival function P(X >= x) for X ~ chi2(df),
    df a positive integer (the p-value of a chi-square test statistic x).

    Exact closed forms for integer df (Abramowitz & Stegun 26.4.4 and 26.4.5):
      even df = 2m:    Q = exp(-x/2) * sum_{k=0}^{m-1} (x/2)^k / k!
      odd df = 2m+1:   Q = 2 Phi(-sqrt(x))
                           + sqrt(2/pi) * exp(-x/2) * sum_{k=1}^{m} x^(k-1/2) / (1*3*...*(2k-1))
    Each term is evaluated in log space, exp(-x/2 + k ln(x/2) - ln k!), so no factor
    overflows or underflows on its own; 1*3*...*(2k-1) = (2k)! / (2^k k!). Phi is
    normal_cdf (Hart 5666), so odd df inherit its < 1e-14 absolute error; even df are
    exact to rounding. Same as scipy.stats.chi2.sf(x, df).
    Null when x or df is null, df < 1 or x < 0; 1 when x = 0.
-#}
{% macro chi_square_sf(x, df) -%}
    (case
        when ({{ x }}) is null or ({{ df }}) is null or ({{ df }}) < 1 or ({{ x }}) < 0 then null
        when ({{ x }}) = 0 then 1.0
        when ({{ df }}) % 2 = 0 then least(1.0, {{ tsqa.list_sum(tsqa.list_transform(
            tsqa.int_range(0, tsqa.int_div(df, 2)),
            'k', 'exp(-(' ~ x ~ ') / 2.0 + k * ln((' ~ x ~ ') / 2.0) - ' ~ tsqa.lgamma('k + 1') ~ ')'
        )) }})
        else least(1.0, 2.0 * {{ normal_cdf('-sqrt(' ~ x ~ ')') }} + coalesce({{ tsqa.list_sum(tsqa.list_transform(
            tsqa.int_range(1, tsqa.int_div('(' ~ df ~ ') - 1', 2) ~ ' + 1'),
            'k', 'sqrt(2.0 / pi()) * exp(
                -(' ~ x ~ ') / 2.0 + (k - 0.5) * ln(' ~ x ~ ')
                - (' ~ tsqa.lgamma('2 * k + 1') ~ ' - k * ln(2.0) - ' ~ tsqa.lgamma('k + 1') ~ ')
            )'
        )) }}, 0.0))
    end)
{%- endmacro %}
