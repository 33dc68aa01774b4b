{#-
    sums_reconcile (model-level test)

    Passes when sum(`expression`) over the model equals sum(`compare_expression`) over
    `compare_model`, so a mart's counts add up to the fact it comes from (nothing lost,
    nothing double-counted). Optional `model_where` / `compare_where` filter each side.
    Fails with one row giving both totals.

    usage:
      data_tests:
        - sums_reconcile:
            arguments:
              expression: audits
              compare_model: ref('fct_qa_audits')
              compare_expression: "1"
              compare_where: "is_correct = false"
-#}
{% test sums_reconcile(model, expression, compare_model, compare_expression, model_where=none, compare_where=none) %}
with model_total as (
    select coalesce(sum({{ expression }}), 0) as total
    from {{ model }}
    {% if model_where %}where {{ model_where }}{% endif %}
),

compare_total as (
    select coalesce(sum({{ compare_expression }}), 0) as total
    from {{ compare_model }}
    {% if compare_where %}where {{ compare_where }}{% endif %}
)

select
    model_total.total as model_total,
    compare_total.total as compare_total
from model_total
cross join compare_total
where model_total.total != compare_total.total
{% endtest %}
