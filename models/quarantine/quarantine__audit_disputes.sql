{{ config(alias='audit_disputes') }}

{{ quarantine_rows('audit_disputes') }}
