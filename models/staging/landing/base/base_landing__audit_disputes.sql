{#- Every audit_disputes landing row, typed, with where it ends (_status) and why
    (_reason). The contract (models/landing/_landing__models.yml) gives the types,
    required values, enums, key and references; macro staging_rows applies them. The
    checks below are the ones a column's contract cannot say. -#}
-- depends_on: {{ ref('base_landing__qa_audits') }}
-- depends_on: {{ reference_table('policies') }}

{% set row_checks %}
    -- resolved_at is null while pending, required otherwise
    when outcome <> 'pending' and resolved_at is null then 'missing_required'
    when outcome = 'pending' and resolved_at is not null then 'out_of_range'
    -- an overturned dispute says what the right answer was
    when outcome = 'overturned' and final_action is null then 'missing_required'
    when outcome = 'overturned' and final_action <> 'approve' and final_policy_code is null then 'missing_required'
    when resolved_at < raised_at then 'out_of_range'
{% endset %}

{{ staging_rows('audit_disputes', row_checks=row_checks) }}
