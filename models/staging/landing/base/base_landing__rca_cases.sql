{#- Every rca_cases landing row, typed, with where it ends (_status) and why (_reason).
    The contract (models/landing/_landing__models.yml) gives the types, required values,
    enums, key and references; macro staging_rows applies them. The checks below are
    the ones a column's contract cannot say. -#}
-- depends_on: {{ reference_table('root_causes') }}
-- depends_on: {{ reference_table('queues') }}

{% set row_checks %}
    when status = 'closed' and closed_at is null then 'missing_required'
    when closed_at < opened_at then 'out_of_range'
{% endset %}

{{ staging_rows('rca_cases', row_checks=row_checks) }}
