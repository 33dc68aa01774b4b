{#-
    Wald 95% confidence interval of a difference of two proportions, unpooled variance
    (metrics.md, "Experiments"): with p1 = x1/n1, p2 = x2/n2 and z = 1.959963984540054,
      difference = p2 - p1
      se         = sqrt(p1(1-p1)/n1 + p2(1-p2)/n2)
      bounds     = difference -/+ z * se
    Group 2 minus group 1, like two_proportion_z. Null when a side has no trials. Same as
    statsmodels confint_proportions_2indep(x2, n2, x1, n1, method="wald", compare="diff").
-#}
{% macro tsqa_two_proportion_unpooled_se(x1, n1, x2, n2) -%}
    sqrt(
        ({{ x1 }}) * 1.0 / ({{ n1 }}) * (1.0 - ({{ x1 }}) * 1.0 / ({{ n1 }})) / ({{ n1 }})
        + ({{ x2 }}) * 1.0 / ({{ n2 }}) * (1.0 - ({{ x2 }}) * 1.0 / ({{ n2 }})) / ({{ n2 }})
    )
{%- endmacro %}

{% macro two_proportion_diff_ci_low(x1, n1, x2, n2) -%}
    (case when coalesce({{ n1 }}, 0) > 0 and coalesce({{ n2 }}, 0) > 0 then
        ({{ x2 }}) * 1.0 / ({{ n2 }}) - ({{ x1 }}) * 1.0 / ({{ n1 }})
        - {{ tsqa_z95() }} * {{ tsqa_two_proportion_unpooled_se(x1, n1, x2, n2) }}
    end)
{%- endmacro %}

{% macro two_proportion_diff_ci_high(x1, n1, x2, n2) -%}
    (case when coalesce({{ n1 }}, 0) > 0 and coalesce({{ n2 }}, 0) > 0 then
        ({{ x2 }}) * 1.0 / ({{ n2 }}) - ({{ x1 }}) * 1.0 / ({{ n1 }})
        + {{ tsqa_z95() }} * {{ tsqa_two_proportion_unpooled_se(x1, n1, x2, n2) }}
    end)
{%- endmacro %}
