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
with

mart_columns as (
    {% for mart, allowed in marts.items() %}
    select
        table_name,
        column_name,
        data_type,
        column_name in ({{ "'" ~ allowed | join("', '") ~ "'" }}) as is_reviewed_text_column
    from information_schema.columns
    where
        table_schema = '{{ ref(mart).schema }}'
        and table_name = '{{ ref(mart).identifier }}'
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    table_name,
    column_name,
    data_type
from mart_columns
where
    (
        regexp_matches(
            column_name,
            '(^|_)(user|users|account|accounts|email|e_mail|phone|ip|address|name|notes?|comments?'
            || '|summary|description|text|free_text|corrective_action|narrative|message)(_|$)'
        )
        -- a count of the accounts named, not the accounts themselves
        and column_name <> 'accounts_specified'
    )
    or (data_type = 'VARCHAR' and not is_reviewed_text_column)
