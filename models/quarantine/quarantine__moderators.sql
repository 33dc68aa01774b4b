{{ config(alias='moderators') }}

{{ quarantine_rows('moderators') }}
