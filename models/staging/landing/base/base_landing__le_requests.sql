{#- Every le_requests landing row, typed, with where it ends (_status) and why (_reason).
    The contract (models/landing/_landing__models.yml) gives the types, required values,
    enums, key and version order; macro staging_rows applies them. The checks below are
    the ones a column's contract cannot say. -#}

{% set row_checks %}
    -- ISO 3166-1 alpha-2
    when not {{ tsqa_full_match('country', '[A-Z]{2}') }} then 'bad_enum'
    when accounts_specified < 1 then 'out_of_range'
    when accounts_specified > {{ var("max_accounts_specified") }} then 'out_of_range'
    -- outcome and responded_at are null while open, required otherwise
    when status <> 'open' and (outcome is null or responded_at is null) then 'missing_required'
    when status = 'open' and (outcome is not null or responded_at is not null) then 'out_of_range'
    when responded_at < received_at then 'out_of_range'
{% endset %}

{{ staging_rows('le_requests', row_checks=row_checks) }}
