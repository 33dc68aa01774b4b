-- One row per policy change (policy_code x version, current version of the record) with
-- the half-open 28-day comparison windows of metrics.md, "Policy-change impact":
-- before = [effective_at - 28 days, effective_at), after = [effective_at, effective_at + 28 days).
with

policy_changes as (
    select * from {{ ref('stg_landing__policy_changes') }}
)

select
    policy_code,
    version,
    change_type,
    effective_at,
    effective_at - interval 28 day as before_window_start,
    effective_at + interval 28 day as after_window_end
from policy_changes
