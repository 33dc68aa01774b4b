{{ config(alias='qa_audits') }}

{{ quarantine_rows('qa_audits') }}
