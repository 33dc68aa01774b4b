{{ config(alias='lert_assessments') }}

{{ quarantine_rows('lert_assessments') }}
