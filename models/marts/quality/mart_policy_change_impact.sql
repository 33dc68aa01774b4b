-- Error rate before and after each policy change (metrics.md, "Policy-change impact"):
-- RANDOM audits (the probability sample of the decisions; a policy watch adds targeted
-- audits after a change, which must not read as a change in quality) whose
-- dispute-adjusted reference policy or moderator policy is the changed policy, by
-- decided_at in [effective_at - 28 days, effective_at) versus [effective_at,
-- effective_at + 28 days), with the pooled two-proportion z-test and the
-- Benjamini-Hochberg q-value over every change with a p-value (one family).
-- Every policy change gets a row.
with

policy_changes as (
    select * from {{ ref('int_quality__policy_changes') }}
),

audits as (
    select * from {{ ref('fct_qa_audits') }}
),

windowed_audits as (
    select
        policy_changes.policy_code,
        policy_changes.version,
        audits.decided_at < policy_changes.effective_at as is_before,
        audits.is_correct
    from policy_changes
    inner join audits
        on (
            policy_changes.policy_code = audits.reference_policy_code
            or policy_changes.policy_code = audits.moderator_policy_code
        )
        and policy_changes.before_window_start <= audits.decided_at
        and policy_changes.after_window_end > audits.decided_at
    where audits.audit_source = 'random'
),

window_counts as (
    select
        policy_code,
        version,
        count(*) filter (where is_before) as audits_before,
        count(*) filter (where is_before and not is_correct) as errors_before,
        count(*) filter (where not is_before) as audits_after,
        count(*) filter (where not is_before and not is_correct) as errors_after
    from windowed_audits
    group by policy_code, version
),

counts as (
    select
        policy_changes.policy_code,
        policy_changes.version,
        policy_changes.change_type,
        policy_changes.effective_at,
        coalesce(window_counts.audits_before, 0) as audits_before,
        coalesce(window_counts.errors_before, 0) as errors_before,
        coalesce(window_counts.audits_after, 0) as audits_after,
        coalesce(window_counts.errors_after, 0) as errors_after
    from policy_changes
    left join window_counts
        on
            policy_changes.policy_code = window_counts.policy_code
            and policy_changes.version = window_counts.version
),

tested as (
    select
        *,
        {{ safe_divide('errors_before', 'audits_before') }} as error_rate_before,
        {{ safe_divide('errors_after', 'audits_after') }} as error_rate_after,
        {{ two_proportion_z('errors_before', 'audits_before', 'errors_after', 'audits_after') }} as z_score,
        {{ two_proportion_p_value('errors_before', 'audits_before', 'errors_after', 'audits_after') }} as p_value
    from counts
),

adjusted as (
    -- Benjamini-Hochberg over every change with a p_value (one family)
    {{ bh_q_values('tested', 'p_value') }}
)

select
    policy_code,
    version,
    change_type,
    effective_at,
    cast(audits_before as bigint) as audits_before,
    cast(errors_before as bigint) as errors_before,
    error_rate_before,
    cast(audits_after as bigint) as audits_after,
    cast(errors_after as bigint) as errors_after,
    error_rate_after,
    error_rate_after - error_rate_before as difference,
    z_score,
    p_value,
    q_value,
    coalesce(q_value < 0.05 and error_rate_after > error_rate_before, false) as significant_increase
from adjusted
