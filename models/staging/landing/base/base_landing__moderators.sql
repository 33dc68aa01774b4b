{#- Every moderators landing row, typed, with where it ends (_status) and why (_reason).
    The contract (models/landing/_landing__models.yml) gives the types, required values,
    enums, key, references and version order; macro staging_rows applies them. The
    checks below are the ones a column's contract cannot say. -#}
-- depends_on: {{ reference_table('vendors') }}

{% set row_checks %}
    when left_on < hired_on then 'out_of_range'
{% endset %}

{{ staging_rows('moderators', row_checks=row_checks) }}
