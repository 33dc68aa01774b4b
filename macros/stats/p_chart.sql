{#-
    p-chart control limits (metrics.md, "Error trends"): with centre line p_bar and a
    sample of n, UCL = min(1, p_bar + 3 sqrt(p_bar(1-p_bar)/n)),
    LCL = max(0, p_bar - 3 sqrt(p_bar(1-p_bar)/n)). Null centre line or n = 0 gives null.
    (The explicit null guard matters: DuckDB's least/greatest skip nulls, so
    least(1, null) would be 1, not null.)
-#}
{% macro p_chart_ucl(p_bar, n) -%}
    (case when ({{ p_bar }}) is not null and ({{ n }}) > 0
        then least(1.0, ({{ p_bar }}) + 3.0 * sqrt(({{ p_bar }}) * (1.0 - ({{ p_bar }})) / ({{ n }}))) end)
{%- endmacro %}

{% macro p_chart_lcl(p_bar, n) -%}
    (case when ({{ p_bar }}) is not null and ({{ n }}) > 0
        then greatest(0.0, ({{ p_bar }}) - 3.0 * sqrt(({{ p_bar }}) * (1.0 - ({{ p_bar }})) / ({{ n }}))) end)
{%- endmacro %}
