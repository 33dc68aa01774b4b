{{ config(pre_hook="{{ landing_scan_csv('le_requests') }}") }}

{{ landing_select('le_requests') }}
