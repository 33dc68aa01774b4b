-- One row per escalation with hours to mitigate and to resolve (metrics.md,
-- "Escalations"). No free text and no user identifiers.
with

escalations as (
    select * from {{ ref('int_escalations__timed') }}
)

select
    escalation_id,
    created_at,
    source,
    severity,
    queue_code,
    request_id,
    status,
    mitigated_at,
    resolved_at,
    hours_to_mitigate,
    hours_to_resolve,
    root_cause_code,
    has_root_cause
from escalations
