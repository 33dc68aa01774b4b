{{ config(pre_hook="{{ landing_scan_csv('escalations') }}") }}

{{ landing_select('escalations') }}
