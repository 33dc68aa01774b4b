{#- Every moderation_decisions landing row, typed, with where it ends (_status) and why
    (_reason). The contract (models/landing/_landing__models.yml) gives the types,
    required values, enums, key and references; macro staging_rows applies them. The
    checks below are the ones a column's contract cannot say. -#}
-- depends_on: {{ reference_table('queues') }}
-- depends_on: {{ reference_table('policies') }}
-- depends_on: {{ ref('base_landing__moderators') }}

{% set row_checks %}
    -- policy_code is null when approve, required otherwise (escalate included)
    when action <> 'approve' and policy_code is null then 'missing_required'
    when action = 'approve' and policy_code is not null then 'out_of_range'
    when handle_time_s < 0 then 'out_of_range'
    when handle_time_s > {{ var("max_handle_time_s") }} then 'out_of_range'
{% endset %}

{{ staging_rows('moderation_decisions', row_checks=row_checks) }}
