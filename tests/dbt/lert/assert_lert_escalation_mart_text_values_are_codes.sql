-- LE request data is sensitive: every text value in the LERT and escalation marts is a
-- code or an id (no whitespace, no '@', at most 64 characters), never free text or an
-- email address. Fails with each offending value and where it is.
{%- set text_columns = {
    'fct_le_requests': ['request_id', 'request_type', 'country', 'agency_type', 'specialist_id', 'status', 'outcome'],
    'fct_lert_assessments': ['assessment_id', 'request_id', 'specialist_id', 'assessor_id'],
    'fct_escalations': ['escalation_id', 'source', 'severity', 'queue_code', 'request_id', 'status', 'root_cause_code'],
} %}
with

text_values as (
    {% for mart, columns in text_columns.items() %}
    {% set outer_loop = loop %}
    {% for column in columns %}
    select
        '{{ mart }}' as mart,
        '{{ column }}' as column_name,
        {{ column }} as value
    from {{ ref(mart) }}
    {% if not (outer_loop.last and loop.last) %}union all{% endif %}
    {% endfor %}
    {% endfor %}
)

select
    mart,
    column_name,
    value
from text_values
where value is not null and ({{ tsqa.regexp_matches('value', '\\s|@') }} or length(value) > 64)
