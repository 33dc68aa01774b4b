{#-
    expression_is_true (model-level test)

    Passes when the boolean SQL `expression` is true on every row (optionally only on
    the rows matching `where`, the standard test config). A null result fails: write
    the null case into the expression (e.g. `x is null or x >= 0`). Fails with the
    offending rows. For invariants such as "errors = over + under + wrong_policy +
    wrong_action" or "audits_before = 0 implies error_rate_before is null".
    It may also sit under a column (column_name is then ignored: write the column
    into the expression).

    usage:
      data_tests:
        - expression_is_true:
            arguments: {expression: "correct + errors = audits"}
-#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
