{{ config(pre_hook="{{ landing_scan_csv('experiment_assignments') }}") }}

{{ landing_select('experiment_assignments') }}
