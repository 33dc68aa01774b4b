{#-
    ci_brackets_rate (column test, on the rate column)

    Passes when the confidence interval brackets the rate:
    ci_low <= rate <= ci_high (with `tolerance`, default 1e-12, for floating-point
    rounding at p = 0 or 1), 0 <= ci_low and ci_high <= 1, and the interval is null
    exactly when the rate is null (no sample = no rate = no interval).
    The bound columns default to <rate>_ci_low and <rate>_ci_high (marts.md naming).
    Fails with the offending rows.

    usage:
      columns:
        - name: accuracy
          data_tests:
            - ci_brackets_rate          # accuracy_ci_low / accuracy_ci_high
        - name: sla_compliance
          data_tests:
            - ci_brackets_rate:
                arguments: {ci_low: sla_ci_low, ci_high: sla_ci_high}
-#}
{% test ci_brackets_rate(model, column_name, ci_low=none, ci_high=none, tolerance=1e-12) %}
{%- set low = ci_low if ci_low else column_name ~ '_ci_low' -%}
{%- set high = ci_high if ci_high else column_name ~ '_ci_high' -%}
select *
from {{ model }}
where
    ({{ column_name }} is null) != ({{ low }} is null)
    or ({{ column_name }} is null) != ({{ high }} is null)
    or {{ low }} > {{ column_name }} + {{ tolerance }}
    or {{ high }} < {{ column_name }} - {{ tolerance }}
    or {{ low }} < 0
    or {{ high }} > 1
{% endtest %}
