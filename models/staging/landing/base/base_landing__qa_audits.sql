{#- Every qa_audits landing row, typed, with where it ends (_status) and why (_reason).
    The contract (models/landing/_landing__models.yml) gives the types, required values,
    enums, key and references; macro staging_rows applies them. The checks below are
    the ones a column's contract cannot say. -#}
-- depends_on: {{ ref('base_landing__moderation_decisions') }}
-- depends_on: {{ reference_table('policies') }}
-- depends_on: {{ reference_table('root_causes') }}

{% set row_checks %}
    -- qa_policy_code is null when approve, required otherwise
    when qa_action <> 'approve' and qa_policy_code is null then 'missing_required'
    when qa_action = 'approve' and qa_policy_code is not null then 'out_of_range'
{% endset %}

{% set version_checks %}
    -- an audit before its decision (the decision's current version)
    when exists (
        select 1 from {{ ref('base_landing__moderation_decisions') }} as decision
        where
            decision._status = 'current'
            and decision.decision_id = versions.decision_id
            and versions.audited_at < decision.decided_at
    ) then 'out_of_range'
{% endset %}

{{ staging_rows('qa_audits', row_checks=row_checks, version_checks=version_checks) }}
