{{ config(alias='policy_changes') }}

{{ quarantine_rows('policy_changes') }}
