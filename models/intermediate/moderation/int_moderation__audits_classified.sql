-- Every current audit with its decision (moderator attributes as of decided_at), its
-- reference answer after disputes, and the audit taxonomy of metrics.md.
with

audits as (
    select * from {{ ref('stg_landing__qa_audits') }}
),

decisions as (
    select * from {{ ref('int_moderation__decisions_attributed') }}
),

disputes as (
    select * from {{ ref('int_moderation__audit_disputes') }}
),

policies as (
    select * from {{ ref('stg_raw__policies') }}
),

answers as (
    select
        audits.audit_id,
        audits.decision_id,
        audits.auditor_id,
        audits.audit_source,
        audits.audited_at,
        cast(audits.audited_at as date) as audit_date,
        decisions.queue_code,
        decisions.moderator_id,
        decisions.moderator_key,
        decisions.vendor_code,
        decisions.site,
        decisions.market,
        decisions.decided_at,
        decisions.action as moderator_action,
        decisions.policy_code as moderator_policy_code,
        audits.qa_action as raw_reference_action,
        audits.qa_policy_code as raw_reference_policy_code,
        coalesce(disputes.final_action, audits.qa_action)
            as reference_action,
        case when disputes.final_action is not null then disputes.final_policy_code else audits.qa_policy_code end
            as reference_policy_code,
        audits.root_cause_code,
        coalesce(disputes.dispute_outcome, 'none') as dispute_outcome,
        coalesce(disputes.disputes, 0) as disputes,
        coalesce(disputes.resolved_disputes, 0) as resolved_disputes,
        coalesce(disputes.overturned_disputes, 0) as overturned_disputes
    from audits
    inner join decisions on audits.decision_id = decisions.decision_id
    left join disputes on audits.audit_id = disputes.audit_id
),

classified as (
    select
        answers.*,
        {{ audit_is_correct(
            'moderator_action', 'moderator_policy_code', 'raw_reference_action', 'raw_reference_policy_code'
        ) }} as raw_is_correct,
        {{ audit_is_correct('moderator_action', 'moderator_policy_code', 'reference_action', 'reference_policy_code') }}
            as is_correct,
        {{ audit_error_type('moderator_action', 'moderator_policy_code', 'reference_action', 'reference_policy_code') }}
            as error_type,
        coalesce(reference_policies.severity_tier, moderator_policies.severity_tier) as severity_tier_at_stake
    from answers
    left join policies as reference_policies on answers.reference_policy_code = reference_policies.policy_code
    left join policies as moderator_policies on answers.moderator_policy_code = moderator_policies.policy_code
)

select
    *,
    {{ audit_error_severity('is_correct', 'severity_tier_at_stake') }} as error_severity,
    {{ audit_score(audit_error_severity('is_correct', 'severity_tier_at_stake')) }} as audit_score,
    {{ is_enforcing('moderator_action') }} as moderator_enforced,
    {{ is_enforcing('reference_action') }} as reference_enforced,
    {{ tsqa.date_diff('second', 'decided_at', 'audited_at') }} / 3600.0 as hours_decision_to_audit
from classified
