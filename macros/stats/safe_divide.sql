{#- numerator / denominator as a double; null when the denominator is 0 or null
    (a rate with no base is "not defined", never 0). -#}
{% macro safe_divide(numerator, denominator) -%}
    (({{ numerator }}) * 1.0 / nullif(({{ denominator }}), 0))
{%- endmacro %}
