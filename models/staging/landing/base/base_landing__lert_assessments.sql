{#- Every lert_assessments landing row, typed, with where it ends (_status) and why
    (_reason). The contract (models/landing/_landing__models.yml) gives the types,
    required values, enums, key and references; macro staging_rows applies them: this
    entity has no check of its own. -#}
-- depends_on: {{ ref('base_landing__le_requests') }}
-- depends_on: {{ reference_table('lert_scorecard_items') }}

{{ staging_rows('lert_assessments') }}
