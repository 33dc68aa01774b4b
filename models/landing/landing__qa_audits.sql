{{ config(pre_hook="{{ landing_scan_csv('qa_audits') }}") }}

{{ landing_select('qa_audits') }}
