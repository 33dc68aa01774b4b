-- One row per escalation (current version) with its durations (metrics.md,
-- "Escalations"): hours_to_mitigate = (mitigated_at - created_at) in hours and
-- hours_to_resolve = (resolved_at - created_at) in hours, each null while that step has
-- not happened, and has_root_cause = a root_cause_code is linked.
with

escalations as (
    select * from {{ ref('stg_landing__escalations') }}
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
    {{ tsqa.date_diff('microsecond', 'created_at', 'mitigated_at') }} / 3600000000.0 as hours_to_mitigate,
    {{ tsqa.date_diff('microsecond', 'created_at', 'resolved_at') }} / 3600000000.0 as hours_to_resolve,
    root_cause_code,
    root_cause_code is not null as has_root_cause
from escalations
