{{ config(alias='training_completions') }}

{{ quarantine_rows('training_completions') }}
