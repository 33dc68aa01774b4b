{{ config(pre_hook="{{ landing_scan_csv('audit_disputes') }}") }}

{{ landing_select('audit_disputes') }}
