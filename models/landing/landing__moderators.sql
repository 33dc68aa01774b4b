{{ config(pre_hook="{{ landing_scan_csv('moderators') }}") }}

{{ landing_select('moderators') }}
