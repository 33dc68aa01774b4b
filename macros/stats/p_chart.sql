{#-
    p-chart control limits (metrics.md, "Error trends"): with centre line p_bar and a
    sample of n, UCL = min(1, p_bar + 3 sqrt(p_bar(1-p_bar)/n)),
    LCL = max(0, p_bar - 3 sqrt(p_bar(1-p_bar)/n)). Null centre line or n = 0 gives null.
-#}
{% macro p_chart_ucl(p_bar, n) -%}
    (case when ({{ n }}) > 0 then least(1.0, ({{ p_bar }}) + 3.0 * sqrt(({{ p_bar }}) * (1.0 - ({{ p_bar }})) / ({{ n }}))) end)
{%- endmacro %}

{% macro p_chart_lcl(p_bar, n) -%}
    (case when ({{ n }}) > 0 then greatest(0.0, ({{ p_bar }}) - 3.0 * sqrt(({{ p_bar }}) * (1.0 - ({{ p_bar }})) / ({{ n }}))) end)
{%- endmacro %}
