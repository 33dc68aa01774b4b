{{ config(alias='experiment_assignments') }}

{{ quarantine_rows('experiment_assignments') }}
