{{ config(pre_hook="{{ landing_scan_csv('calibration_ratings') }}") }}

{{ landing_select('calibration_ratings') }}
