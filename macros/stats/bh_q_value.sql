{#-
    bh_q_value(p_value, partition_by=none): the Benjamini-Hochberg adjusted p-value
    ("q-value", false discovery rate) of each row, as one window expression over a
    family of tests (metrics.md: "Policy-change impact", "Training impact",
    "Experiments"). Same as statsmodels multipletests(p, method="fdr_bh")[1] over the
    non-null p-values of the family.

    - p_value: a column (or expression) holding the row's p-value; null p-values are not
      tests: they get a null q_value and do not count in m.
    - partition_by: the columns that make a family, as SQL text (e.g. 'experiment_id');
      none = all rows of the query are one family.

    With the m non-null p-values of the family sorted, p_(1) <= ... <= p_(m):
      q_(i) = min(1, min over j >= i of m * p_(j) / j)
    Tied p-values get the same q (the minimum over j >= i covers the whole tie). Written
    over the sorted list of the family's p-values (one window list per row), so it is
    O(m^2) per family: meant for families of tests (tens to a few thousand rows), not
    for millions.

    Usage:  {{ bh_q_value('p_value') }} as q_value
            {{ bh_q_value('p_value', 'experiment_id') }} as q_value
-#}
{% macro bh_q_value(p_value, partition_by=none) -%}
    {%- set family -%}
        list_sort(list_filter(
            list(({{ p_value }}) * 1.0) over ({% if partition_by %}partition by {{ partition_by }}{% endif %}),
            lambda bh_p: bh_p is not null
        ))
    {%- endset -%}
    (case when ({{ p_value }}) is not null then
        least(1.0, list_min(list_transform(
            range(list_position({{ family }}, ({{ p_value }}) * 1.0), len({{ family }}) + 1),
            lambda bh_j: len({{ family }}) * {{ family }}[bh_j] / bh_j
        )))
    end)
{%- endmacro %}
