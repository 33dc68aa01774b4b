-- One row per QA audit (current version) classified by the audit taxonomy of
-- metrics.md: reference answer after disputes, correctness (raw and dispute-adjusted),
-- error type and severity, audit score. Moderator attributes are those in effect at
-- the decision's decided_at. auditor_notes never leaves landing.
{#- Incremental (macros/incremental.sql): a build re-decides the audits re-staged since
    the last one, the audits of re-decided decisions, and the audits whose disputes were
    re-staged. -#}
{#- On Spark (no Delta/Iceberg table format here) the fact is rebuilt as a table on
    every build: the same rows, without the incremental path. -#}
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='tsqa_replace_keys',
    unique_key='audit_id',
    on_schema_change='fail',
    pre_hook="{{ tsqa_touched_keys('audit_id', tsqa_touched_audits()) }}",
    post_hook="{{ tsqa_record_run() }}",
) }}
-- depends_on: {{ ref('base_landing__qa_audits') }}
-- depends_on: {{ ref('stg_landing__qa_audits') }}
-- depends_on: {{ ref('base_landing__audit_disputes') }}
-- depends_on: {{ ref('base_landing__moderation_decisions') }}

with

audits as (
    select * from {{ ref('int_moderation__audits_classified') }}
    {{- tsqa_only_touched('audit_id') }}
)

select
    audit_id,
    decision_id,
    auditor_id,
    audit_source,
    audited_at,
    audit_date,
    queue_code,
    moderator_id,
    moderator_key,
    vendor_code,
    site,
    market,
    decided_at,
    moderator_action,
    moderator_policy_code,
    raw_reference_action,
    raw_reference_policy_code,
    reference_action,
    reference_policy_code,
    moderator_enforced,
    reference_enforced,
    raw_is_correct,
    is_correct,
    error_type,
    error_severity,
    audit_score,
    root_cause_code,
    dispute_outcome,
    disputes,
    resolved_disputes,
    overturned_disputes,
    hours_decision_to_audit
from audits
