{{ config(alias='rca_cases') }}

{{ quarantine_rows('rca_cases') }}
