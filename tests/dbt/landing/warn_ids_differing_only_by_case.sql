{{ config(severity='warn') }}
-- Ids are compared exactly: `D1` and `d1` are two records (an upstream system that
-- changes an id's case has made a new id). That is rarely intended, so this warning
-- counts the ids of each entity that differ from another only by letter case.
{%- set ids = [
    ("moderators", "moderator_id"), ("moderation_decisions", "decision_id"),
    ("qa_audits", "audit_id"), ("audit_disputes", "dispute_id"), ("rca_cases", "rca_id"),
    ("le_requests", "request_id"), ("lert_assessments", "assessment_id"),
    ("escalations", "escalation_id"), ("calibration_ratings", "item_id"),
] %}

with

ids as (
    {%- for entity, column in ids %}
    select distinct
        '{{ entity }}' as entity,
        {{ column }} as id
    from {{ ref('stg_landing__' ~ entity) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    entity,
    lower(id) as folded_id,
    count(*) as case_variants
from ids
group by entity, lower(id)
having count(*) > 1
