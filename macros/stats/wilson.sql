{#-
    95% Wilson score interval for a proportion (metrics.md, "Confidence interval"):
    with n trials, p = successes / n and z = 1.959963984540054,
      centre = (p + z^2/2n) / (1 + z^2/n)
      half   = z * sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n)
    wilson_low = centre - half, wilson_high = centre + half, wilson_half_width = half
    (the margin of error). n = 0 (or null) gives null. Same as statsmodels
    proportion_confint(method="wilson").
-#}
{% macro tsqa_z95() -%}1.959963984540054{%- endmacro %}

{% macro tsqa_wilson_centre(successes, n) -%}
    (((({{ successes }}) * 1.0 / ({{ n }})) + {{ tsqa_z95() }} ^ 2 / (2.0 * ({{ n }})))
        / (1.0 + {{ tsqa_z95() }} ^ 2 / ({{ n }})))
{%- endmacro %}

{% macro wilson_half_width(successes, n) -%}
    (case when ({{ n }}) > 0 then
        {{ tsqa_z95() }} * sqrt(
            (({{ successes }}) * 1.0 / ({{ n }})) * (1.0 - ({{ successes }}) * 1.0 / ({{ n }})) / ({{ n }})
            + {{ tsqa_z95() }} ^ 2 / (4.0 * ({{ n }}) ^ 2)
        ) / (1.0 + {{ tsqa_z95() }} ^ 2 / ({{ n }}))
    end)
{%- endmacro %}

{% macro wilson_low(successes, n) -%}
    (case when ({{ n }}) > 0 then
        greatest(0.0, {{ tsqa_wilson_centre(successes, n) }} - {{ wilson_half_width(successes, n) }})
    end)
{%- endmacro %}

{% macro wilson_high(successes, n) -%}
    (case when ({{ n }}) > 0 then
        least(1.0, {{ tsqa_wilson_centre(successes, n) }} + {{ wilson_half_width(successes, n) }})
    end)
{%- endmacro %}
