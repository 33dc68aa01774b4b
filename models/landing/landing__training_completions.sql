{{ config(pre_hook="{{ landing_scan_csv('training_completions') }}") }}

{{ landing_select('training_completions') }}
