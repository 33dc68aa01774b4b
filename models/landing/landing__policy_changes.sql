{{ config(pre_hook="{{ landing_scan_csv('policy_changes') }}") }}

{{ landing_select('policy_changes') }}
