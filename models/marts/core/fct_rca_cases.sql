-- One row per root-cause analysis case (current version): every staged column and
-- days_open = (closed_at, or the build's as-of time while open) - opened_at, in days.
-- corrective_action is free text and stops at staging (validation.md: no free text in
-- marts).
with

rca_cases as (
    select * from {{ ref('stg_landing__rca_cases') }}
),

as_of as (
    select as_of from {{ ref('int_build__as_of') }}
)

select
    rca_cases.rca_id,
    rca_cases.opened_at,
    rca_cases.closed_at,
    rca_cases.subject_type,
    rca_cases.subject_id,
    rca_cases.queue_code,
    rca_cases.root_cause_code,
    rca_cases.owner_team,
    rca_cases.status,
    {{ tsqa.date_diff('second', 'rca_cases.opened_at', 'coalesce(rca_cases.closed_at, as_of.as_of)') }}
    / 86400.0 as days_open,
    rca_cases.source_file
from rca_cases
cross join as_of
