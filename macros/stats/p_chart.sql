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

{#-
    Laney p' chart limits (metrics.md, "Error trends", Laney 2002): the p-chart limits
    widened (or narrowed) by sigma_z, the between-week variation of the standardised
    baseline rates measured by their mean moving range / 1.128:
      laney_ucl = min(1, p_bar + 3 sigma_z sqrt(p_bar(1-p_bar)/n)),
      laney_lcl = max(0, p_bar - 3 sigma_z sqrt(p_bar(1-p_bar)/n)).
    Null when sigma_z, p_bar or n is null or n = 0 (guarded like the p-chart limits).
-#}
{% macro laney_ucl(p_bar, n, sigma_z) -%}
    (case when ({{ p_bar }}) is not null and ({{ sigma_z }}) is not null and ({{ n }}) > 0
        then least(1.0, ({{ p_bar }})
            + 3.0 * ({{ sigma_z }}) * sqrt(({{ p_bar }}) * (1.0 - ({{ p_bar }})) / ({{ n }}))) end)
{%- endmacro %}

{% macro laney_lcl(p_bar, n, sigma_z) -%}
    (case when ({{ p_bar }}) is not null and ({{ sigma_z }}) is not null and ({{ n }}) > 0
        then greatest(0.0, ({{ p_bar }})
            - 3.0 * ({{ sigma_z }}) * sqrt(({{ p_bar }}) * (1.0 - ({{ p_bar }})) / ({{ n }}))) end)
{%- endmacro %}
