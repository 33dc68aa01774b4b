{{ config(pre_hook="{{ landing_scan_csv('moderation_decisions') }}") }}

{{ landing_select('moderation_decisions') }}
