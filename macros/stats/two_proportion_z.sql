{#-
    Pooled two-proportion z-test (metrics.md, "Policy-change impact"):
      p1 = x1/n1, p2 = x2/n2, p = (x1 + x2) / (n1 + n2)
      z  = (p2 - p1) / sqrt(p(1-p)(1/n1 + 1/n2))
      p_value = 2 * (1 - Phi(|z|)), computed as 2 * Phi(-|z|) (no cancellation)
    Null when a side has no trials or the pooled rate is 0 or 1. Same as statsmodels
    proportions_ztest([x2, x1], [n2, n1]) (two-sided, pooled).
-#}
{% macro two_proportion_z(x1, n1, x2, n2) -%}
    (case
        when coalesce({{ n1 }}, 0) > 0 and coalesce({{ n2 }}, 0) > 0
            and ({{ x1 }}) + ({{ x2 }}) > 0 and ({{ x1 }}) + ({{ x2 }}) < ({{ n1 }}) + ({{ n2 }})
        then
            (({{ x2 }}) * 1.0 / ({{ n2 }}) - ({{ x1 }}) * 1.0 / ({{ n1 }}))
            / sqrt(
                (({{ x1 }}) + ({{ x2 }})) * 1.0 / (({{ n1 }}) + ({{ n2 }}))
                * (1.0 - (({{ x1 }}) + ({{ x2 }})) * 1.0 / (({{ n1 }}) + ({{ n2 }})))
                * (1.0 / ({{ n1 }}) + 1.0 / ({{ n2 }}))
            )
    end)
{%- endmacro %}

{% macro two_proportion_p_value(x1, n1, x2, n2) -%}
    (2.0 * {{ normal_cdf('-abs(' ~ two_proportion_z(x1, n1, x2, n2) ~ ')') }})
{%- endmacro %}
