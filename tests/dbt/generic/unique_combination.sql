{#-
    unique_combination (model-level grain test)

    Passes when no two rows share the same values of `columns` (a list of column
    names). Nulls compare equal, so a null in a key column cannot hide a duplicate.
    Fails with one row per duplicated key and how many rows carry it.

    usage:
      data_tests:
        - unique_combination:
            arguments: {columns: [month_start, queue_code, vendor_code]}
-#}
{% test unique_combination(model, columns) %}
select
    {{ columns | join(", ") }},
    count(*) as rows_with_this_key
from {{ model }}
group by {{ columns | join(", ") }}
having count(*) > 1
{% endtest %}
