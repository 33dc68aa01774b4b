{#-
    rate_between_zero_and_one (column test)

    Passes when every non-null value of the column is a fraction in [0, 1] (rates in
    the marts are fractions; null means "not defined" and passes). Fails with the
    offending rows.

    usage:
      columns:
        - name: accuracy
          data_tests: [rate_between_zero_and_one]
-#}
{% test rate_between_zero_and_one(model, column_name) %}
select *
from {{ model }}
where {{ column_name }} is not null
    and ({{ column_name }} < 0 or {{ column_name }} > 1)
{% endtest %}
