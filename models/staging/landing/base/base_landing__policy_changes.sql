{#- Every policy_changes landing row, typed, with where it ends (_status) and why
    (_reason). The contract (models/landing/_landing__models.yml) gives the types,
    required values, enums, key and references; macro staging_rows applies them: this
    entity has no check of its own. -#}
-- depends_on: {{ reference_table('policies') }}

{{ staging_rows('policy_changes') }}
