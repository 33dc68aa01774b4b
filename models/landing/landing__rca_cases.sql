{{ config(pre_hook="{{ landing_scan_csv('rca_cases') }}") }}

{{ landing_select('rca_cases') }}
