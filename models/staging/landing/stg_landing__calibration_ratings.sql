{{ staging_current('calibration_ratings') }}
