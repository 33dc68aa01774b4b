{#-
    bh_q_values(relation, p_value, partition_by): Benjamini-Hochberg adjusted p-values
    (q-values), one family per partition. A complete select statement: every column of
    `relation` plus `q_value`.

    Within a family, with m = rows whose p_value is not null and those p-values sorted
    ascending p_(1) <= ... <= p_(m):
        q_(i) = min(1, min_{j >= i} m p_(j) / j)
    Rows with a null p_value get a null q_value and are not part of m. Ties get equal
    q-values (the running minimum from the top reaches through them). Same as
    statsmodels multipletests(p, method="fdr_bh")[1].
    By hand: p = 0.01, 0.04, 0.03 (m = 3): sorted 0.01, 0.03, 0.04 give 3(0.04)/3 = 0.04,
    min(3(0.03)/2, 0.04) = 0.04, min(3(0.01)/1, 0.04) = 0.03; so q = 0.03, 0.04, 0.04.

    partition_by: a list of column names (empty list = one family over all rows).
    The relation must not have columns named bh_m, bh_rank or bh_scaled.
-#}
{% macro bh_q_values(relation, p_value, partition_by=[]) -%}
    {%- set partition = ('partition by ' ~ (partition_by | join(', '))) if partition_by else '' -%}
    with

    bh_ranked as (
        select
            *,
            count({{ p_value }}) over ({{ partition }}) as bh_m,
            row_number() over ({{ partition }} order by {{ p_value }} asc nulls last) as bh_rank
        from {{ relation }}
    ),

    bh_scaled as (
        select
            *,
            case when {{ p_value }} is not null then bh_m * ({{ p_value }}) / bh_rank end as bh_scaled
        from bh_ranked
    )

    select
        {{ tsqa.star_exclude(['bh_m', 'bh_rank', 'bh_scaled']) }},
        case when {{ p_value }} is not null then
            least(1.0, min(bh_scaled) over (
                {{ partition }} order by bh_rank desc rows between unbounded preceding and current row
            ))
        end as q_value
    from bh_scaled
{%- endmacro %}
