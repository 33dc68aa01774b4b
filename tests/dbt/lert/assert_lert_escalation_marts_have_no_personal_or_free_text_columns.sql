-- LE request data is sensitive (raw_contract.md, le_requests; validation.md): the LERT
-- and escalation marts must hold no user identifiers and no free text. Fails with every
-- column of those marts that either has a name that looks personal or free-text, or is
-- a text column outside the reviewed list of code and id columns (so a new text column
-- has to be reviewed here before it can ship).
{%- set marts = {
    'fct_le_requests': ['request_id', 'request_type', 'country', 'agency_type', 'specialist_id', 'status', 'outcome'],
    'fct_lert_assessments': ['assessment_id', 'request_id', 'specialist_id', 'assessor_id'],
    'mart_lert_sla_monthly': ['request_type'],
    'mart_lert_quality_monthly': ['specialist_id'],
    'fct_escalations': ['escalation_id', 'source', 'severity', 'queue_code', 'request_id', 'status', 'root_cause_code'],
    'mart_escalations_weekly': ['source', 'severity'],
} %}
{#- the marts' columns, from the adapter (DuckDB and Spark alike): name, type, whether
    the type is text, whether the column is on the reviewed list -#}
{%- set columns = [] -%}
{%- for mart, allowed in marts.items() -%}
    {%- set relation = ref(mart) -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do columns.append({
                'table_name': relation.identifier, 'column_name': column.name | lower,
                'data_type': column.dtype, 'is_text': column.is_string() or (column.dtype | lower) == 'string',
                'is_reviewed': (column.name | lower) in allowed}) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endfor %}
with

mart_columns as (
    {% for c in columns %}
    select
        '{{ c.table_name }}' as table_name,
        '{{ c.column_name }}' as column_name,
        '{{ c.data_type }}' as data_type,
        {{ c.is_text }} as is_text_column,
        {{ c.is_reviewed }} as is_reviewed_text_column
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select
        cast(null as string) as table_name,
        cast(null as string) as column_name,
        cast(null as string) as data_type,
        false as is_text_column,
        false as is_reviewed_text_column
    where 1 = 0
    {% endfor %}
)

select
    table_name,
    column_name,
    data_type
from mart_columns
where
    (
        {{ tsqa.regexp_matches('column_name',
            '(^|_)(user|users|account|accounts|email|e_mail|phone|ip|address|name|notes?|comments?'
            ~ '|summary|description|text|free_text|corrective_action|narrative|message)(_|$)') }}
        -- a count of the accounts named, not the accounts themselves
        and column_name <> 'accounts_specified'
    )
    or (is_text_column and not is_reviewed_text_column)
