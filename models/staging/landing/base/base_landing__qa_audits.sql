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

{% set version_joins %}
    left join (
        -- the decision's current version (one per decision_id)
        select
            decision_id as current_decision_id,
            decided_at as current_decided_at
        from {{ ref('base_landing__moderation_decisions') }}
        where _status = 'current'
    ) as decision on versions.decision_id = decision.current_decision_id
{% endset %}

{% set version_checks %}
    -- an audit before its decision (the decision's current version)
    when versions.audited_at < decision.current_decided_at then 'out_of_range'
{% endset %}

{{ staging_rows('qa_audits', row_checks=row_checks, version_checks=version_checks, version_joins=version_joins) }}
