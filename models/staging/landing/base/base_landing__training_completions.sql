{#- Every training_completions landing row, typed, with where it ends (_status) and why
    (_reason). The contract (models/landing/_landing__models.yml) gives the types,
    required values, key and references; macro staging_rows applies them. The checks
    below are the ones a column's contract cannot say. -#}
-- depends_on: {{ ref('base_landing__moderators') }}
-- depends_on: {{ reference_table('policies') }}

{% set row_checks %}
    when score < 0 or score > 100 then 'out_of_range'
{% endset %}

{{ staging_rows('training_completions', row_checks=row_checks) }}
