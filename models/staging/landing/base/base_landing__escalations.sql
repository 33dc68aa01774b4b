{#- Every escalations landing row, typed, with where it ends (_status) and why (_reason).
    The contract (models/landing/_landing__models.yml) gives the types, required values,
    enums, key and references; macro staging_rows applies them. The checks below are
    the ones a column's contract cannot say. -#}
-- depends_on: {{ reference_table('queues') }}
-- depends_on: {{ ref('base_landing__le_requests') }}
-- depends_on: {{ reference_table('root_causes') }}

{% set row_checks %}
    when status = 'resolved' and resolved_at is null then 'missing_required'
    when status = 'mitigated' and mitigated_at is null then 'missing_required'
    when resolved_at < created_at or mitigated_at < created_at then 'out_of_range'
{% endset %}

{{ staging_rows('escalations', row_checks=row_checks) }}
