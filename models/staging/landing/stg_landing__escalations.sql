{{ staging_current('escalations') }}
