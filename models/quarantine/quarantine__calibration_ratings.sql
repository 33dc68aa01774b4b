{{ config(alias='calibration_ratings') }}

{{ quarantine_rows('calibration_ratings') }}
