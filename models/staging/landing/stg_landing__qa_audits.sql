-- The current version of every valid qa_audits record (base_landing__qa_audits decides:
-- typed, checked, one per key; set-aside rows are in quarantine.qa_audits). Columns are
-- text unless cast. Not here: auditor_notes (personal data, never stored).
with

source as (

    select * from {{ ref('base_landing__qa_audits') }}
    where _status = 'current'

),

renamed as (

    select
        -- ids
        audit_id,
        decision_id,
        auditor_id,
        -- the audit
        audit_source,
        cast(audited_at as timestamp) as audited_at,
        -- the auditor's answer (the reference)
        qa_action,
        qa_policy_code,
        root_cause_code,
        -- lineage: the landing file of this version
        _source_file as source_file

    from source

)

select * from renamed
