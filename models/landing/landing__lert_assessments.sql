{{ config(pre_hook="{{ landing_scan_csv('lert_assessments') }}") }}

{{ landing_select('lert_assessments') }}
