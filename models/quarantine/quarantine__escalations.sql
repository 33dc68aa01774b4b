{{ config(alias='escalations') }}

{{ quarantine_rows('escalations') }}
