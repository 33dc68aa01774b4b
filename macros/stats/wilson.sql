{#-
    95% Wilson score interval for a proportion (metrics.md, "Confidence interval"):
    with n trials, p = successes / n and z = 1.959963984540054,
      centre = (p + z^2/2n) / (1 + z^2/n)
      half   = z * sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n)
    wilson_low = centre - half, wilson_high = centre + half, wilson_half_width = half
    (the margin of error). n = 0 (or null) gives null. Same as statsmodels
    proportion_confint(method="wilson").

    Computed in an algebraically identical form that avoids cancellation (x successes,
    A = x + z^2/2, B = z sqrt(x(n-x)/n + z^2/4), D = n + z^2):
      centre = A / D, half = B / D, high = (A + B) / D,
      low = (A^2 - B^2) / (D (A + B)) = x^2 / (n (A + B))   [since A^2 - B^2 = x^2 D / n]
    so low is exactly 0 when x = 0 and keeps full relative precision for small x
    (centre - half would lose digits there); high is set to exactly 1 when x = n.
    Null successes give null bounds (guarded: DuckDB's least() would skip the null).
-#}
{% macro tsqa_z95() -%}1.959963984540054{%- endmacro %}

{% macro tsqa_wilson_a(successes) -%}
    (({{ successes }}) + pow({{ tsqa_z95() }}, 2) / 2.0)
{%- endmacro %}

{% macro tsqa_wilson_b(successes, n) -%}
    ({{ tsqa_z95() }} * sqrt(
        ({{ successes }}) * 1.0 * (({{ n }}) - ({{ successes }})) / ({{ n }}) + pow({{ tsqa_z95() }}, 2) / 4.0
    ))
{%- endmacro %}

{% macro wilson_half_width(successes, n) -%}
    (case when ({{ n }}) > 0 then
        {{ tsqa_wilson_b(successes, n) }} / (({{ n }}) + pow({{ tsqa_z95() }}, 2))
    end)
{%- endmacro %}

{% macro wilson_low(successes, n) -%}
    (case when ({{ n }}) > 0 then
        ({{ successes }}) * 1.0 * ({{ successes }})
        / (({{ n }}) * ({{ tsqa_wilson_a(successes) }} + {{ tsqa_wilson_b(successes, n) }}))
    end)
{%- endmacro %}

{% macro wilson_high(successes, n) -%}
    (case
        when ({{ n }}) > 0 and ({{ successes }}) = ({{ n }}) then 1.0
        when ({{ n }}) > 0 and ({{ successes }}) is not null then
            least(1.0, ({{ tsqa_wilson_a(successes) }} + {{ tsqa_wilson_b(successes, n) }})
                / (({{ n }}) + pow({{ tsqa_z95() }}, 2)))
    end)
{%- endmacro %}
