{{ staging_current('le_requests') }}
