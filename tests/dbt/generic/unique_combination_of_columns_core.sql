{#- Grain test: no two rows share the same values of `combination` (nulls compare equal). -#}
{% test unique_combination_of_columns_core(model, combination) %}
select
    {{ combination | join(", ") }},
    count(*) as rows_with_these_values
from {{ model }}
group by {{ combination | join(", ") }}
having count(*) > 1
{% endtest %}
