{{ config(alias='le_requests') }}

{{ quarantine_rows('le_requests') }}
