{{ config(alias='moderation_decisions') }}

{{ quarantine_rows('moderation_decisions') }}
